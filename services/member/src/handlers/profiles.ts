// Profile changes. The cache entry is invalidated after the commit; previous avatars are deleted
// through image-svc afterwards, in the background: a failure there is logged and never fails
// (or delays) the update.
import { profileCompletionScore, type MemberRecord } from '../domain/member.ts';
import { validateHandleOrThrow, validateProfileUpdateOrThrow, type ProfileUpdateInput } from '../domain/profile-rules.ts';
import { memberNotFound } from '../domain/follow-rules.ts';
import type { Caller } from './authenticate.ts';
import type { UseCaseDeps } from './deps.ts';

export interface Profiles {
  update(caller: Caller, input: ProfileUpdateInput, previousAvatarUrls: readonly string[]): Promise<MemberRecord>;
  changeHandle(caller: Caller, newHandle: string): Promise<string>;
}

export function createProfiles({ sql, members, cache, images, clock, log }: UseCaseDeps): Profiles {
  return {
    async update(caller, input, previousAvatarUrls) {
      const changes = validateProfileUpdateOrThrow(input, clock());
      const id = caller.member.id;
      const updated = await sql.tx(async (tx) => {
        await members.update(tx, id, changes);
        const record = await members.findById(tx, id);
        if (!record) throw memberNotFound(id);
        const score = profileCompletionScore(record);
        if (score === record.profileCompletionScore) return record;
        await members.setCompletionScore(tx, id, score);
        return { ...record, profileCompletionScore: score };
      });
      await cache.invalidate([id]);
      // Never delete the avatar now in use, even if the client lists it as previous.
      const stale = [...new Set(previousAvatarUrls.map((u) => u.trim()))].filter((u) => u !== '' && u !== updated.avatarUrl);
      if (stale.length > 0) {
        void images.deleteImages(stale, caller.authorization).then((outcome) => log.info({ outcome, count: stale.length }, 'previous avatars cleanup'));
      }
      return updated;
    },

    async changeHandle(caller, newHandle) {
      const handle = validateHandleOrThrow('newHandle', newHandle);
      if (handle === caller.member.handle) return handle;
      await members.changeHandle(sql, caller.member.id, handle);
      await cache.invalidate([caller.member.id]);
      return handle;
    },
  };
}
