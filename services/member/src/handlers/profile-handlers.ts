// Member and profile RPCs: identity, profiles by id or handle, summaries, update, handle change.
import type { MemberServiceServer } from '@dailyfeed/gen/member/v1/member';
import type { HandlersOf } from '../adapters/grpc-handlers.ts';
import { callerOf, type HandlerDeps } from './handler-deps.ts';
import { countryName, genderName, privacyName, toProfile, toSummary } from './member-views.ts';

type ProfileRpcs =
  | 'getMe'
  | 'getMyProfile'
  | 'getMemberProfile'
  | 'updateMyProfile'
  | 'changeHandle'
  | 'getMySummary'
  | 'getMember'
  | 'getMemberProfileById'
  | 'getMemberSummary';

export function createProfileHandlers(deps: HandlerDeps): Pick<HandlersOf<MemberServiceServer>, ProfileRpcs> {
  const { reader, profiles } = deps;
  return {
    async getMe(_req, ctx) {
      const { member } = await callerOf(deps, ctx);
      return { member: { id: member.id, name: member.memberName } };
    },
    async getMyProfile(_req, ctx) {
      const { member } = await callerOf(deps, ctx);
      return { profile: toProfile(member, true) };
    },
    async getMemberProfile(req, ctx) {
      const { member: me } = await callerOf(deps, ctx);
      const found = await reader.getByRefOrThrow(req.memberRef);
      return { profile: toProfile(found, found.id === me.id) };
    },
    async updateMyProfile(req, ctx) {
      const caller = await callerOf(deps, ctx);
      const updated = await profiles.update(
        caller,
        {
          memberName: req.memberName,
          displayName: req.displayName,
          bio: req.bio,
          location: req.location,
          websiteUrl: req.websiteUrl,
          avatarUrl: req.avatarUrl,
          birthDate: req.birthDate,
          gender: genderName(req.gender),
          languageCode: req.languageCode,
          countryCode: countryName(req.countryCode),
          privacyLevel: privacyName(req.privacyLevel),
        },
        req.previousAvatarUrls,
      );
      return { profile: toProfile(updated, true) };
    },
    async changeHandle(req, ctx) {
      return { handle: await profiles.changeHandle(await callerOf(deps, ctx), req.newHandle) };
    },
    async getMySummary(_req, ctx) {
      return { summary: toSummary((await callerOf(deps, ctx)).member) };
    },
    async getMember(req, ctx) {
      await callerOf(deps, ctx);
      const found = await reader.getActiveOrThrow(req.memberId);
      return { member: { id: found.id, name: found.memberName } };
    },
    async getMemberProfileById(req, ctx) {
      const { member: me } = await callerOf(deps, ctx);
      const found = await reader.getActiveOrThrow(req.memberId);
      return { profile: toProfile(found, found.id === me.id) };
    },
    async getMemberSummary(req, ctx) {
      await callerOf(deps, ctx);
      return { summary: toSummary(await reader.getActiveOrThrow(req.memberId)) };
    },
  };
}
