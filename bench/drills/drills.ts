// The seven fault drills. Each runs a burst through the edge, applies its fault on cue, lifts it,
// then waits for the stores to hold every committed write and judges the outcome: a drill passes
// only with 0 lost, 0 duplicated, no 500 (nor a request left unanswered, nor a 503/429 without
// Retry-After), and within its recovery bound.
import { Kafka, logLevel } from 'kafkajs';
import type { Session } from './session.ts';
import { burst, call, cast, newTally, seedPosts, signUp, type Cast, type Tally } from './load.ts';
import { sleep } from './infra.ts';
import { complete, ledger, type Ledger } from './stores.ts';

// Kafka late: consumers that have not rejoined yet would make the next drill's stores look short.
export const DRILL_NAMES = ['poison', 'activity-kill', 'content-kill', 'postgres', 'redis', 'kafka', 'overload'] as const;
export type DrillName = (typeof DRILL_NAMES)[number];

export interface DrillResult {
  readonly name: DrillName;
  readonly title: string;
  readonly failures: string[];
  readonly notes: string[];
  readonly tally: Tally;
  readonly ledger: Ledger | undefined;
  /** From the fault's end (broker ready, process healthy, proxy open) until every store held every write. */
  readonly recoveryMs: number | undefined;
}

interface Fault {
  readonly apply: () => Promise<void>;
  readonly lift: () => Promise<void>;
}

interface BurstDrillSpec {
  readonly title: string;
  readonly fault: Fault;
  /** Recovery bound after the fault is lifted (settleMs otherwise). */
  readonly recoveryLimitMs?: number;
  /** Extra checks once the stores are settled; returns failures. */
  readonly after?: (c: Cast, tally: Tally, notes: string[]) => Promise<string[]>;
  readonly prepare?: (c: Cast, notes: string[]) => Promise<void>;
}

/**
 * Waits until the stores hold every committed write: up to settleMs (the pass bound), then up to
 * a minute more, so that late is told apart from lost. The final ledger and when it completed.
 */
async function settle(s: Session, c: Cast, tally: Tally, from: number): Promise<{ ledger: Ledger; recoveryMs: number | undefined }> {
  const deadline = from + s.size.settleMs + LATE_MS;
  for (;;) {
    const l = await ledger(s.db, s.redis, s.edge, c, tally);
    if (complete(l)) return { ledger: l, recoveryMs: Math.max(0, Date.now() - from) };
    if (Date.now() > deadline) return { ledger: l, recoveryMs: undefined };
    await sleep(500);
  }
}

const LATE_MS = 60_000;

/** Failures every drill shares: answers and ledger. */
function judge(tally: Tally, l: Ledger, recoveryMs: number | undefined, limitMs: number, notes: string[], retryAfterRequired = false): string[] {
  const failures: string[] = [];
  for (const [kind, byStatus] of tally.byKind) {
    const errors = byStatus.get(500) ?? 0;
    if (errors > 0) failures.push(`${errors} × 500 on ${kind}s`);
    const unanswered = byStatus.get(0) ?? 0;
    if (unanswered > 0) failures.push(`${unanswered} ${kind}s got no answer (connection error or 30 s timeout)`);
    const other5xx = [...byStatus].filter(([st]) => st > 500 && st !== 503 && st !== 504).reduce((n, [, k]) => n + k, 0);
    if (other5xx > 0) failures.push(`${other5xx} ${kind}s answered 5xx other than 503/504`);
  }
  if (tally.missingRetryAfter > 0) {
    const text = `${tally.missingRetryAfter} answers 503/429 without Retry-After`;
    if (retryAfterRequired) failures.push(text);
    else notes.push(text);
  }
  if (l.writes.lost > 0) failures.push(`${l.writes.lost} acknowledged writes not in PostgreSQL`);
  if (l.writes.duplicated > 0) failures.push(`${l.writes.duplicated} writes stored twice`);
  for (const [store, n] of Object.entries(l.stores)) {
    if (n.lost > 0) failures.push(`${store}: ${n.lost} of ${n.expected} still missing ${((limitMs + LATE_MS) / 1000).toFixed(0)} s after the fault`);
    if (n.duplicated > 0) failures.push(`${store}: ${n.duplicated} duplicated`);
  }
  if (recoveryMs !== undefined && recoveryMs > limitMs) failures.push(`recovered in ${(recoveryMs / 1000).toFixed(1)} s, over the ${(limitMs / 1000).toFixed(0)} s bound`);
  return failures;
}

async function burstDrill(s: Session, name: DrillName, spec: BurstDrillSpec): Promise<DrillResult> {
  const notes: string[] = [];
  const c = await cast(s.edge, `${s.tag}${name.replace('-', '')}`);
  await spec.prepare?.(c, notes);
  const tally = newTally(`dk${s.tag}${name.replace('-', '')}`);
  await seedPosts(s.edge, c, tally);
  let liftedAt = 0;
  const faultAt = Math.floor(s.size.operations * 0.3);
  await burst(s.edge, c, tally, {
    operations: s.size.operations,
    ratePerSec: s.size.ratePerSec,
    cues: [
      {
        at: faultAt,
        run: async () => {
          const t0 = Date.now();
          await spec.fault.apply();
          const t1 = Date.now();
          await sleep(s.size.faultMs);
          const t2 = Date.now();
          await spec.fault.lift();
          liftedAt = Date.now();
          const took = (a: number, b: number): string => `${((b - a) / 1000).toFixed(1)} s`;
          notes.push(`fault at operation ${faultAt}: applying took ${took(t0, t1)}, held ${took(t1, t2)}, lifting took ${took(t2, liftedAt)}`);
        },
      },
    ],
  });
  const { ledger: l, recoveryMs } = await settle(s, c, tally, liftedAt);
  const failures = judge(tally, l, recoveryMs, spec.recoveryLimitMs ?? s.size.settleMs, notes);
  if (spec.after) failures.push(...(await spec.after(c, tally, notes)));
  return { name, title: spec.title, failures, notes, tally, ledger: l, recoveryMs };
}

/** Probes revoked tokens for a while: each must keep getting 401. */
async function probeRevoked(s: Session, tokens: readonly { label: string; token: string }[], forMs: number): Promise<string[]> {
  const failures: string[] = [];
  const until = Date.now() + forMs;
  const seen = new Set<string>();
  while (Date.now() < until) {
    for (const { label, token } of tokens) {
      for (const path of ['/api/members/profile', '/api/activity/me?page=0&size=5']) {
        const res = await call(s.edge, 'GET', path, { token });
        if (res.status !== 401 && !seen.has(`${label}${path}`)) {
          seen.add(`${label}${path}`);
          failures.push(`${label} answered ${res.status} on GET ${path} after Redis restarted empty (must stay 401)`);
        }
      }
    }
    await sleep(250);
  }
  return failures;
}

async function overload(s: Session): Promise<DrillResult> {
  const notes: string[] = [];
  const c = await cast(s.edge, `${s.tag}overload`);
  // Saturation: closed loops at rising concurrency until throughput stops growing by 10 %; the
  // last step that still grew is saturation (its throughput and p99 are the baseline).
  let throughput = 0;
  let satP99 = 0;
  let satConcurrency = 0;
  const phases: ReturnType<typeof newTally>[] = [];
  for (let concurrency = s.size.saturationConcurrency; concurrency <= s.size.saturationConcurrency * 8; concurrency *= 2) {
    const step = newTally(`dk${s.tag}sat${concurrency}`);
    phases.push(step);
    const stopAt = Date.now() + s.size.saturationSeconds * 1000;
    let i = 0;
    const stepStarted = Date.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < stopAt) await postOnly(s, c, step, i++);
      }),
    );
    const stepThroughput = step.posts.length / ((Date.now() - stepStarted) / 1000);
    notes.push(`concurrency ${concurrency}: ${stepThroughput.toFixed(1)} writes/s, p99 ${p99(step.writeMs).toFixed(0)} ms`);
    if (stepThroughput < throughput * 1.1) break;
    throughput = stepThroughput;
    satP99 = p99(step.writeMs);
    satConcurrency = concurrency;
  }
  notes.push(`saturation: ${throughput.toFixed(1)} writes/s at concurrency ${satConcurrency}, p99 ${satP99.toFixed(0)} ms`);
  // 2x: an open loop at twice that rate; the excess must be shed (503 + Retry-After), the admitted stay fast.
  const tally = newTally(`dk${s.tag}overload`);
  const rate = Math.max(2, 2 * throughput);
  const ops = Math.round(rate * s.size.overloadSeconds);
  const started = performance.now();
  const inflight: Promise<void>[] = [];
  for (let k = 0; k < ops; k++) {
    const wait = started + (k * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    inflight.push(postOnly(s, c, tally, k));
  }
  await Promise.all(inflight);
  const admittedP99 = p99(tally.writeMs);
  const shed = tally.byKind.get('post')?.get(503) ?? 0;
  notes.push(`2x: offered ${rate.toFixed(0)} writes/s for ${s.size.overloadSeconds} s: admitted ${tally.posts.length}, p99 ${admittedP99.toFixed(0)} ms; shed ${shed} × 503`);
  const { ledger: l, recoveryMs } = await settle(s, c, tally, Date.now());
  const failures = judge(tally, l, recoveryMs, s.size.settleMs, notes, true);
  for (const phase of phases) if (!complete(await ledger(s.db, s.redis, s.edge, c, phase))) failures.push(`the saturation step ${phase.marker} lost writes or events`);
  if (admittedP99 > 2 * satP99) (s.size.judgeOverloadLatency ? failures : notes).push(`admitted p99 ${admittedP99.toFixed(0)} ms is over 2 × the saturation p99 (${satP99.toFixed(0)} ms): excess load queues instead of being shed`);
  return { name: 'overload', title: '2x overload at the edge', failures, notes, tally, ledger: l, recoveryMs };
}

async function postOnly(s: Session, c: Cast, tally: Tally, i: number): Promise<void> {
  const author = c.authors[i % c.authors.length];
  if (author === undefined) return;
  const res = await call(s.edge, 'POST', '/api/posts', { token: author.token, body: { content: `${tally.marker} w${i}` } });
  const byStatus = tally.byKind.get('post') ?? new Map<number, number>();
  byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
  tally.byKind.set('post', byStatus);
  if ((res.status === 503 || res.status === 429) && res.retryAfter === null) tally.missingRetryAfter++;
  const data = res.body['data'];
  const id = typeof data === 'object' && data !== null ? (data as Record<string, unknown>)['id'] : undefined;
  if (res.status === 201 && typeof id === 'number') {
    tally.posts.push(id);
    tally.writeMs.push(res.ms);
  }
}

function p99(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? 0;
}

const todayTopic = (): string => `member-activity-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`;

/** runDrill, with a drill that throws (setup failed, fault could not be applied) reported as failed. */
export async function runDrillSafely(s: Session, name: DrillName): Promise<DrillResult> {
  let result: DrillResult;
  try {
    result = await runDrill(s, name);
  } catch (err: unknown) {
    const failure = `the drill itself failed: ${err instanceof Error ? err.message : String(err)}`;
    result = { name, title: 'aborted', failures: [failure], notes: [], tally: newTally(''), ledger: undefined, recoveryMs: undefined };
  }
  // A fault may fail requests, never end a process: one that exited on its own (the drill's kills are
  // not counted) fails the drill, even when a restart hid it from the stores' ledger.
  const exits = [...s.stack.components.values()].flatMap((c) => c.takeUnexpectedExits().map((how) => `${c.name} exited on its own during the drill (${how})`));
  return exits.length === 0 ? result : { ...result, failures: [...result.failures, ...exits] };
}

export async function runDrill(s: Session, name: DrillName): Promise<DrillResult> {
  switch (name) {
    case 'kafka':
      return burstDrill(s, name, {
        title: 'Kafka stopped mid-burst',
        fault: { apply: () => s.kafka.stop(), lift: () => s.kafka.start() },
        recoveryLimitMs: 10_000,
      });
    case 'activity-kill':
      return burstDrill(s, name, {
        title: 'activity-svc (consumer) SIGKILLed mid-burst',
        fault: { apply: () => s.stack.get('activity').kill('SIGKILL'), lift: () => s.stack.get('activity').start() },
      });
    case 'content-kill':
      return burstDrill(s, name, {
        title: 'content-svc (writer) SIGKILLed mid-burst',
        fault: { apply: () => s.stack.get('content').kill('SIGKILL'), lift: () => s.stack.get('content').start() },
      });
    case 'postgres':
      return burstDrill(s, name, {
        title: 'PostgreSQL unreachable (proxy cut) mid-burst',
        fault: { apply: () => s.pgProxy.cut(), lift: () => s.pgProxy.restore() },
      });
    case 'redis': {
      const revoked: { label: string; token: string }[] = [];
      return burstDrill(s, name, {
        title: 'Redis restarted empty mid-burst',
        prepare: async (_c, notes) => {
          const m = await signUp(s.edge, `${s.tag}revoked`);
          const out = await call(s.edge, 'POST', '/api/authentication/logout', { token: m.token });
          if (out.status >= 300) throw new Error(`logout answered ${out.status}`);
          revoked.push({ label: 'a token logged out just before the restart', token: m.token });
          revoked.push({ label: `a token logged out ${((Date.now() - s.oldRevoked.at) / 1000).toFixed(0)} s before the restart`, token: s.oldRevoked.token });
          for (const r of revoked) if ((await call(s.edge, 'GET', '/api/members/profile', { token: r.token })).status !== 401) throw new Error(`${r.label} was not refused before the fault`);
          notes.push(`revoked tokens probed for ${s.size.probeMs / 1000} s after the restart`);
        },
        fault: { apply: () => s.redisServer.restartEmpty(), lift: async () => undefined },
        after: async () => probeRevoked(s, revoked, s.size.probeMs),
      });
    }
    case 'poison': {
      const position: { partition?: number; offset?: string; topic?: string } = {};
      return burstDrill(s, name, {
        title: 'poison message on the day topic mid-burst',
        fault: {
          apply: async () => {
            const kafka = new Kafka({ clientId: 'drills', brokers: [s.kafka.brokers], logLevel: logLevel.NOTHING });
            const producer = kafka.producer();
            await producer.connect();
            // Wire type 7 does not exist: no protobuf decoder can read this value.
            const [meta] = await producer.send({ topic: todayTopic(), acks: 1, messages: [{ key: `drill-poison-${s.tag}`, value: Buffer.from([0x0f, 0xff, 0xff, 0xff, 0x07]) }] });
            await producer.disconnect();
            Object.assign(position, { topic: todayTopic(), partition: meta?.partition, offset: meta?.baseOffset });
          },
          lift: async () => undefined,
        },
        after: async (_c, _t, notes) => {
          const rows = await s.db.query<{ state: string }>('select state from activity.listener_dead_letters where topic = $1 and partition = $2 and "offset" = $3', [position.topic, position.partition, position.offset]);
          notes.push(`poison at ${position.topic}/${position.partition}@${position.offset}: activity dead letter ${rows.rows[0]?.state ?? 'none'}`);
          return rows.rows.length === 1 ? [] : ['activity-svc did not keep the poison message in its dead-letter store'];
        },
      });
    }
    case 'overload':
      return overload(s);
  }
}
