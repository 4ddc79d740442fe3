// bench/mixed: the capacity model of bench/CAPACITY.md, computed from this run's figures so a run
// on another machine refreshes it. Inputs: the mix row at saturation (CPU ms per mix request by
// process, PostgreSQL commits and rows written per request) and the stored-feed size in Redis.
import type { FeedMemory } from './feeds.ts';
import type { Measured } from './report.ts';

/** HPA CPU target: a replica is sized to run at this share of its core, leaving room for bursts and a lost replica. */
export const UTILISATION = 0.6;
/** Cores per replica: a Node service runs its JavaScript on one thread, so one core is what a replica can use. */
export const CORES_PER_REPLICA = 1;
export const MIN_REPLICAS = 2;
export const RATES = [10_000, 100_000] as const;
const POST_SHARE = 0.1;
const FOLLOW_FEED_SHARE = 0.6;
const CONSUMERS = ['timeline', 'search', 'activity'];
/**
 * Sign-ins are not in the mix, yet they are most of member-svc's CPU (one scrypt each). Their rate
 * is a product assumption, tied to the mix rate through the active members it implies: each reads
 * the follow feed FEED_READS_PER_MEMBER_DAY times a day and signs in once per SIGN_IN_EVERY_DAYS
 * (a refresh renews the session, so that is a new device, a logout or a lapsed member).
 */
export const FEED_READS_PER_MEMBER_DAY = 20;
export const SIGN_IN_EVERY_DAYS = 30;
export const signInsPerSecond = (rate: number): number => (rate * FOLLOW_FEED_SHARE) / FEED_READS_PER_MEMBER_DAY / SIGN_IN_EVERY_DAYS;

/** member-svc's CPU per sign-in at production cost: measured at the bench's scrypt cost, the hash's difference added. */
export interface SignInCost {
  /** member-svc CPU ms per sign-in, measured over the bench's logins. */
  readonly memberMsPerSignIn: number;
  /** scrypt CPU ms at the bench's cost and at production's (member config default), timed in the bench. */
  readonly scryptMsBench: number;
  readonly scryptMsProduction: number;
}
export const productionSignInMs = (c: SignInCost): number => c.memberMsPerSignIn - c.scryptMsBench + c.scryptMsProduction;

export interface Capacity {
  readonly rate: number;
  /** Sign-ins/s the rate implies (zero when the run measured none). */
  readonly signIns: number;
  readonly cores: Record<string, number>;
  readonly replicas: Record<string, number>;
  readonly postsPerSecond: number;
  readonly partitions: number;
  readonly pgCommitsPerSecond: number;
  readonly pgRowsWrittenPerSecond: number;
}

/**
 * CPU ms per mix request by process, less what the idle stack burns anyway (idle ms/s divided by
 * the row's request rate): a replica's fixed background is not a per-request cost, and at the low
 * rates of a busy machine it would dominate.
 */
export function marginal(mix: Measured, idle: Readonly<Record<string, number>>): Record<string, number> {
  const rate = mix.load.requests / mix.load.seconds;
  return Object.fromEntries(Object.entries(mix.cpu).filter(([n]) => n !== 'bench').map(([n, ms]) => [n, Math.max(0, ms - (idle[n] ?? 0) / rate)]));
}

/**
 * Consumer CPU ms per event by group. search and activity only consume in the mix, so their whole
 * share is consumption (per mix request / post share); timeline also serves the feeds, so its
 * fan-out cost comes from the create-post row, where consuming is all it does.
 */
function perEvent(mix: Measured, post: Measured | undefined, idle: Readonly<Record<string, number>>): Record<string, number> {
  const m = marginal(mix, idle);
  const out: Record<string, number> = { search: (m['search'] ?? 0) / POST_SHARE, activity: (m['activity'] ?? 0) / POST_SHARE };
  if (post) out['timeline'] = marginal(post, idle)['timeline'] ?? 0;
  return out;
}

export function capacity(mix: Measured, idle: Readonly<Record<string, number>> = {}, post?: Measured, signIn?: SignInCost): Capacity[] {
  const perRequest = marginal(mix, idle);
  const consumers = perEvent(mix, post, idle);
  return RATES.map((rate) => {
    const cores: Record<string, number> = {};
    const replicas: Record<string, number> = {};
    const signIns = signIn === undefined ? 0 : signInsPerSecond(rate);
    const names = new Set([...Object.keys(perRequest), ...(signIn === undefined ? [] : ['member'])]);
    for (const name of names) {
      cores[name] = (rate * (perRequest[name] ?? 0)) / 1000 + (name === 'member' && signIn !== undefined ? (signIns * productionSignInMs(signIn)) / 1000 : 0);
      if (!['postgres', 'redis', 'kafka'].includes(name)) replicas[name] = Math.max(MIN_REPLICAS, Math.ceil(cores[name] / (UTILISATION * CORES_PER_REPLICA)));
    }
    // A partition is read by one consumer of a group: the busiest group needs as many partitions as
    // replicas' worth of consuming, twice that leaves room to scale out within the day (each day
    // topic is created anew, so the count can follow the load). Extra replicas serve reads.
    const consuming = CONSUMERS.map((c) => Math.ceil((rate * POST_SHARE * (consumers[c] ?? 0)) / 1000 / (UTILISATION * CORES_PER_REPLICA)));
    const partitions = Math.max(6, 2 * Math.max(...consuming));
    const pg = mix.pg ?? { commits: 0, inserted: 0, updated: 0, deleted: 0 };
    return {
      rate, signIns, cores, replicas, partitions, postsPerSecond: rate * POST_SHARE,
      pgCommitsPerSecond: rate * pg.commits, pgRowsWrittenPerSecond: rate * (pg.inserted + pg.updated + pg.deleted),
    };
  });
}

/**
 * The mesh policy's HPA maxReplicas from the model at a rate: the replicas it needs, and for a
 * consumer service at least the day topic's partitions, so that a backlog (after an outage) drains
 * with one consumer on every partition.
 */
export function hpaMax(c: Capacity): Record<string, number> {
  return Object.fromEntries(Object.entries(c.replicas).map(([name, n]) => [name, CONSUMERS.includes(name) ? Math.max(n, c.partitions) : n]));
}

export function capacityText(mix: Measured, feeds: FeedMemory | undefined, idle: Readonly<Record<string, number>> = {}, post?: Measured, signIn?: SignInCost): string {
  const rows = capacity(mix, idle, post, signIn);
  const consumers = perEvent(mix, post, idle);
  const perRequest = marginal(mix, idle);
  const names = Object.keys(rows[0]?.cores ?? {});
  const lines = [
    `capacity model (mix row at saturation, less the idle stack's background; ${UTILISATION * 100} % of ${CORES_PER_REPLICA} core per replica, at least ${MIN_REPLICAS} replicas):`,
    `  ${'process'.padEnd(10)} ${'ms/req'.padStart(7)} ${'idle ms/s'.padStart(9)} ${RATES.map((r) => `cores@${r / 1000}k`.padStart(12) + ' replicas'.padStart(10)).join(' ')}`,
    ...names.map((n) => `  ${n.padEnd(10)} ${(perRequest[n] ?? 0).toFixed(2).padStart(7)} ${(idle[n] ?? 0).toFixed(0).padStart(9)} ${rows.map((c) => (c.cores[n] ?? 0).toFixed(1).padStart(12) + String(c.replicas[n] ?? '-').padStart(10)).join(' ')}`),
    `  consumer CPU per event: ${Object.entries(consumers).map(([n, ms]) => `${n} ${ms.toFixed(2)} ms`).join(', ')}${post ? '' : ' (timeline: no create-post row in this run)'}`,
    signIn === undefined
      ? '  sign-ins: not measured in this run (member-svc counts the mix only)'
      : `  sign-ins (member-svc's cores include them): ${productionSignInMs(signIn).toFixed(0)} ms of member CPU each at production scrypt cost (${signIn.memberMsPerSignIn.toFixed(1)} measured at the bench's, scrypt ${signIn.scryptMsBench.toFixed(0)} -> ${signIn.scryptMsProduction.toFixed(0)} ms); ${rows.map((c) => `${c.signIns.toFixed(0)}/s at ${c.rate / 1000}k`).join(', ')} (one per active member every ${SIGN_IN_EVERY_DAYS} days, ${FEED_READS_PER_MEMBER_DAY} feed reads per member a day)`,
    ...rows.slice(-1).map((c) => `  HPA maxReplicas (mesh/src/policy.ts), from ${c.rate / 1000}k: ${Object.entries(hpaMax(c)).map(([n, r]) => `${n} ${r}`).join(', ')}`),
    ...rows.map((c) => `  at ${c.rate} req/s: ${c.postsPerSecond} posts/s = events/s per consumer group; day-topic partitions >= ${c.partitions}; PostgreSQL ${c.pgCommitsPerSecond.toFixed(0)} commits/s, ${c.pgRowsWrittenPerSecond.toFixed(0)} rows written/s`),
  ];
  if (feeds && feeds.sampled > 0) {
    lines.push(`  Redis: ${feeds.bytesAtMaxEntries.toFixed(0)} bytes per stored feed at ${feeds.maxEntries} entries (MEMORY USAGE, list + meta) => ${((feeds.bytesAtMaxEntries * 1e6) / 2 ** 30).toFixed(2)} GiB per million active members`);
  }
  return lines.join('\n');
}
