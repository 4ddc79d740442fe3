// Authentication RPCs: signup, login, logout, refresh, deactivate, JWKS, Authenticate and the
// key/token jobs.
import {
  AuthenticateResponse,
  AuthenticateView,
  RefreshAccessTokenRequest,
  RefreshAccessTokenResponse,
  RefreshSessionRequest,
  RefreshSessionResponse,
  SignupRequest,
  SignupResponse,
  type ClientInfo as ProtoClientInfo,
  type MemberServiceServer,
} from '@dailyfeed/gen/member/v1/member';
import { KEEP_ANSWER } from '../adapters/answer-store.ts';
import type { CallContext, HandlersOf } from '../adapters/grpc-handlers.ts';
import type { AttemptContext } from './accounts.ts';
import { bearerToken } from './authenticate.ts';
import type { IssuedSession } from './sessions.ts';
import { callerOf, firstMetadata, type HandlerDeps } from './handler-deps.ts';
import { countryName, genderName, privacyName, toProfile, toSessionMember, toSummary } from './member-views.ts';

type AuthRpcs =
  | 'signup'
  | 'login'
  | 'logout'
  | 'logoutAll'
  | 'refreshAccessToken'
  | 'refreshSession'
  | 'deactivate'
  | 'getJwks'
  | 'authenticate'
  | 'rotateSigningKeys'
  | 'cleanupExpiredTokens';

const clientOf = (c: ProtoClientInfo | undefined) => ({ deviceInfo: c?.deviceInfo ?? '', ipAddress: c?.ipAddress ?? '' });

/**
 * The client's address (the request's ClientInfo, else the edge's x-client-address metadata) and
 * the call's deadline, for the throttles and the hashing gate.
 */
function attemptOf(ctx: CallContext, fromRequest: string): AttemptContext {
  const address = fromRequest !== '' ? fromRequest : (firstMetadata(ctx, 'x-client-address') ?? '');
  const deadline = ctx.deadline instanceof Date ? ctx.deadline.getTime() : (ctx.deadline ?? Infinity);
  return { address: address.slice(0, 100), deadline: Number.isFinite(deadline) ? deadline : Infinity };
}

const issuedTokens = (s: IssuedSession) => ({
  accessToken: s.accessToken,
  accessTokenExpiresAt: s.accessTokenExpiresAt,
  refreshToken: s.refreshToken,
  refreshTokenExpiresAt: s.refreshTokenExpiresAt,
});

export function createAuthHandlers(deps: HandlerDeps): Pick<HandlersOf<MemberServiceServer>, AuthRpcs> {
  const { accounts, sessions, keys, keyRepo, clock } = deps;
  return {
    async signup(req, ctx) {
      // A retried signup (same idempotency-key) gets the first answer, not MEMBER_ALREADY_EXISTS.
      return deps.replies.run(ctx.metadata, 'signup', req.email.trim().toLowerCase(), SignupRequest.encode(req).finish(), SignupResponse, async () => {
      const id = await accounts.signup({
        email: req.email,
        password: req.password,
        memberName: req.memberName,
        handle: req.handle,
        displayName: req.displayName,
        bio: req.bio,
        location: req.location,
        websiteUrl: req.websiteUrl,
        birthDate: req.birthDate,
        gender: genderName(req.gender),
        languageCode: req.languageCode,
        countryCode: countryName(req.countryCode),
        privacyLevel: req.privacyLevel === 0 ? undefined : privacyName(req.privacyLevel),
        avatarUrl: req.avatarUrl,
        avatarClaim: req.avatarClaim,
      }, attemptOf(ctx, ''));
      return SignupResponse.fromPartial({ member: { id } });
      });
    },
    async login(req, ctx) {
      const client = clientOf(req.client);
      const { member, session } = await accounts.login(req.email, req.password, client, attemptOf(ctx, client.ipAddress));
      return { member: toSessionMember(member), tokens: issuedTokens(session) };
    },
    async logout(req, ctx) {
      await sessions.logout(await callerOf(deps, ctx), req.refreshToken);
      return { value: true, sessionCleared: {} };
    },
    async logoutAll(_req, ctx) {
      await sessions.logoutAll(await callerOf(deps, ctx));
      return { value: true, sessionCleared: {} };
    },
    // A retried refresh (same idempotency-key) gets the same tokens instead of tripping reuse
    // detection, which would revoke the session.
    async refreshAccessToken(req, ctx) {
      return deps.replies.run(ctx.metadata, 'refresh', req.refreshToken, RefreshAccessTokenRequest.encode(req).finish(), RefreshAccessTokenResponse, async () => {
        const s = await sessions.refresh(req.refreshToken, clientOf(req.client));
        return RefreshAccessTokenResponse.fromPartial({ token: { accessToken: s.accessToken, expiresIn: String(s.expiresInSeconds) }, tokens: issuedTokens(s) });
      });
    },
    async refreshSession(req, ctx) {
      return deps.replies.run(ctx.metadata, 'refresh-session', req.refreshToken, RefreshSessionRequest.encode(req).finish(), RefreshSessionResponse, async () => {
        const s = await sessions.refresh(req.refreshToken, clientOf(req.client));
        return RefreshSessionResponse.fromPartial({ value: true, tokens: issuedTokens(s) });
      });
    },
    async deactivate(_req, ctx) {
      await accounts.deactivate(await callerOf(deps, ctx));
      return { value: true, sessionCleared: {} };
    },
    async getJwks() {
      const jwks = {
        keys: keys.all().map((k) => ({ ...k.publicKey.export({ format: 'jwk' }), kid: k.kid, use: 'sig', alg: 'ES256' })),
      };
      return { jwks: { contentType: 'application/jwk-set+json', data: Buffer.from(JSON.stringify(jwks)), extensions: [] } };
    },
    async authenticate(req, ctx) {
      const startedAt = Date.now();
      const caller = await callerOf(deps, ctx);
      const m = caller.member;
      const { token } = caller;
      const answer: AuthenticateResponse = {
        member: { id: m.id, name: m.memberName },
        summary: req.view === AuthenticateView.AUTHENTICATE_VIEW_SUMMARY ? toSummary(m) : undefined,
        profile: req.view === AuthenticateView.AUTHENTICATE_VIEW_PROFILE ? toProfile(m, true) : undefined,
        refreshNeeded: token.refreshNeeded,
        jti: token.jti,
        expiresAt: token.expiresAt,
      };
      // Written down when the caller reads answers instead of calling and found none
      // (answer-store.ts: metadata x-keep-answer); a write that fails or is refused only means the
      // next call asks again. Callers that never read them (search, activity, timeline) write nothing.
      const bare = firstMetadata(ctx, KEEP_ANSWER) === '1' ? bearerToken(caller.authorization) : undefined;
      if (bare !== undefined) {
        void deps.answers.keep(req.view, bare, AuthenticateResponse.encode(answer).finish(), { memberId: m.id, jti: token.jti, kid: token.kid, expiresAt: token.expiresAt }, startedAt);
      }
      return answer;
    },
    async rotateSigningKeys() {
      const result = await keyRepo.rotate(clock());
      await keys.reload();
      return { rotated: result.rotated, primaryKid: result.primaryKid, retired: result.retired };
    },
    async cleanupExpiredTokens() {
      const { refresh, blacklist } = await sessions.cleanup();
      return { refreshTokensDeleted: String(refresh), blacklistEntriesDeleted: String(blacklist) };
    },
  };
}
