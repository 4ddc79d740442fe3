// The revocation push of SPEC "Authentication": other services may remember Authenticate answers
// only while member-svc tells them, on one Redis pub/sub channel, about every change that makes a
// remembered answer wrong. Each message is JSON {p, s, k, v}:
//   p  this process's publisher id (a new one per start),
//   s  a sequence number, +1 per message, taken BEFORE the publish is attempted: a publish that
//      fails leaves a hole the next message reveals, so a listener never misses a revocation
//      without noticing,
//   k  'hb' (heartbeat), 'jti' (access tokens), 'member' (every token of these members: logout-all,
//      deactivation, profile or handle change, a revoked refresh family), 'kid' (tokens signed by
//      these keys: demotion changes the refresh hint, retirement refuses them),
//   v  the ids.
// Heartbeats every HEARTBEAT_MS let listeners tell a quiet channel from a dead one. Publishing
// happens after the durable write; a failure is logged, never thrown: the revocation is already
// in force at member-svc, and the hole in the sequence (or the silence) makes listeners forget.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Listeners treat ~3 missed heartbeats as a lost channel (their SILENCE_MS is 750). */
export const HEARTBEAT_MS = 200;

export type RevocationKind = 'jti' | 'member' | 'kid';

export interface RevocationPublisher {
  /** Resolves once the message is handed to Redis (or its failure logged). */
  revoke(kind: RevocationKind, ids: readonly string[]): Promise<void>;
  start(): void;
  stop(): void;
}

export interface RevocationPublisherDeps {
  readonly redis: Redis;
  /** The pub/sub channel (config REVOCATION_CHANNEL). */
  readonly channel: string;
  readonly log: { warn(obj: object, msg: string): void };
  readonly onPublish?: (kind: RevocationKind | 'hb', outcome: 'sent' | 'failed') => void;
}

export function createRevocationPublisher({ redis, channel, log, onPublish }: RevocationPublisherDeps): RevocationPublisher {
  const publisher = randomUUID();
  let seq = 0;
  let timer: NodeJS.Timeout | undefined;
  let heartbeatFailing = false;

  const send = async (k: RevocationKind | 'hb', v: readonly string[]): Promise<void> => {
    seq += 1;
    const message = JSON.stringify({ p: publisher, s: seq, k, v });
    try {
      await redis.publish(channel, message);
      onPublish?.(k, 'sent');
      if (k === 'hb') heartbeatFailing = false;
    } catch (err: unknown) {
      onPublish?.(k, 'failed');
      // Heartbeats fail five times a second while Redis is down: log the first one only.
      if (k !== 'hb' || !heartbeatFailing) log.warn({ err, kind: k }, 'revocation channel: publish failed; listeners will forget');
      if (k === 'hb') heartbeatFailing = true;
    }
  };

  return {
    async revoke(kind, ids) {
      if (ids.length > 0) await send(kind, [...new Set(ids)]);
    },
    start() {
      timer ??= setInterval(() => void send('hb', []), HEARTBEAT_MS);
      timer.unref();
      void send('hb', []);
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
