// The session side effects of a response (proto/README.md): IssuedTokens -> `Authorization:
// Bearer <access>` + the `refresh_token` cookie; SessionCleared -> the cookie cleared and an
// empty Authorization header. Cookie: HttpOnly, SameSite=Strict, Path=/ (it is set from
// /api/proxy/authentication/login and must reach every path), no Domain, Secure configurable
// because browsers drop Secure cookies on plain-http origins other than localhost.
import type { FastifyReply } from 'fastify';
import type { SessionEffects } from '../domain/response-shape.ts';
import { REFRESH_COOKIE } from './http-input.ts';

const THIRTY_DAYS_S = 30 * 24 * 3600;

export function applySession(reply: FastifyReply, effects: SessionEffects, cookieSecure: boolean): void {
  const base = { httpOnly: true, sameSite: 'strict' as const, secure: cookieSecure, path: '/' };
  if (effects.issued !== undefined) {
    reply.header('authorization', `Bearer ${effects.issued.accessToken}`);
    if (effects.issued.refreshToken !== '') {
      reply.setCookie(REFRESH_COOKIE, effects.issued.refreshToken, { ...base, maxAge: maxAgeOf(effects.issued.refreshExpiresAt) });
    }
  } else if (effects.cleared) {
    reply.header('authorization', '');
    reply.setCookie(REFRESH_COOKIE, '', { ...base, maxAge: 0 });
  }
}

function maxAgeOf(expiresAt: string | undefined): number {
  if (expiresAt === undefined) return THIRTY_DAYS_S;
  const seconds = Math.floor((Date.parse(expiresAt) - Date.now()) / 1000);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : THIRTY_DAYS_S;
}
