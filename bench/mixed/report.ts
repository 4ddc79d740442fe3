// bench/mixed: one measured phase as a printed line and a JSON record, and the issue's targets.
import type { LoadResult } from './load.ts';
import type { Stored } from './events.ts';
import { PG_CLIENT } from './cpu.ts';

/** Processes shown per row, in this order; `bench` (the load generator) is shown but not in the total. */
export const SYSTEM = ['edge', 'member', 'content', 'timeline', 'image', 'search', 'activity', 'postgres', 'redis', 'kafka', 'http-floor', 'timeline (floor)', 'shape front', 'shape backend'] as const;

/** The row of the page-sized shape floor at saturation (bench/mixed.ts measures it, targets() reads it). */
export const PAGE_SIZED_FLOOR = 'floor: same, page-sized';

export interface Measured {
  readonly row: string;
  readonly load: LoadResult;
  /** CPU ms per completed request, by process. */
  readonly cpu: Record<string, number>;
  /** Sum over the system's processes (everything but the load generator). */
  readonly cpuTotal: number;
  /** PostgreSQL's CPU ms per request again, by the client whose connection it served (`server`: its own processes). */
  readonly pgByClient: Record<string, number>;
  readonly stored?: Stored;
  readonly drain?: { drained: boolean; lag: number; ms: number };
  /** PostgreSQL per request, in the bench's database: transactions committed (reads included) and rows inserted/updated/deleted. */
  readonly pg?: { commits: number; inserted: number; updated: number; deleted: number };
  readonly note?: string;
  failed?: string;
}

export function measure(row: string, load: LoadResult, delta: Map<string, number>, extra: Partial<Measured> = {}): Measured {
  const n = Math.max(1, load.requests);
  const cpu: Record<string, number> = {};
  const pgByClient: Record<string, number> = {};
  for (const [name, ms] of delta) {
    if (ms <= 0) continue;
    if (name.startsWith(PG_CLIENT)) pgByClient[name.slice(PG_CLIENT.length)] = ms / n;
    else cpu[name] = ms / n;
  }
  const cpuTotal = Object.entries(cpu).filter(([name]) => name !== 'bench').reduce((s, [, ms]) => s + ms, 0);
  return { row, load, cpu, cpuTotal, pgByClient, ...extra };
}

const f = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : '-');

export function errorRate(m: Measured): number {
  return m.load.requests === 0 ? 1 : (m.load.requests - m.load.ok) / m.load.requests;
}

export function line(m: Measured): string {
  const l = m.load;
  const mode = l.mode === 'closed' ? `closed ${l.connections} conn` : `open ${f(l.offered ?? 0, 0)}/s`;
  const errors = Object.entries(l.errors).map(([s, n]) => `${s}x${n}`).join(' ') || '0';
  const cpu = [...SYSTEM, 'bench'].filter((p) => (m.cpu[p] ?? 0) > 0).map((p) => `${p} ${f(m.cpu[p] ?? 0, 2)}`).join(', ');
  const stored = m.stored ? ` | events stored: activity ${m.stored.activity}/${m.stored.expected}, search ${m.stored.search}/${m.stored.expected}` : '';
  const pgw = m.pg ? ` | PostgreSQL/request: ${f(m.pg.commits, 2)} commits, rows ${f(m.pg.inserted, 2)} ins ${f(m.pg.updated, 2)} upd ${f(m.pg.deleted, 2)} del` : '';
  const byClient = Object.entries(m.pgByClient).sort(([, a], [, b]) => b - a).filter(([, ms]) => ms >= 0.005);
  const pgc = byClient.length > 0 ? ` | PostgreSQL by client: ${byClient.map(([c, ms]) => `${c} ${f(ms, 2)}`).join(', ')}` : '';
  const ops = l.opLatency ? `\n${''.padEnd(22)} by operation: ${Object.entries(l.opLatency).map(([op, x]) => `${op} p50 ${f(x.p50)} p99 ${f(x.p99)}`).join(', ')} ms` : '';
  const drain = m.drain ? `, consumers ${m.drain.drained ? `drained in ${m.drain.ms} ms` : `NOT drained (lag ${m.drain.lag})`}` : '';
  return (
    `${m.row.padEnd(22)} ${mode.padEnd(16)} ${f(l.achieved, 0).padStart(6)} req/s (${l.requests} in ${f(l.seconds, 1)} s)  ` +
    `p50 ${f(l.p50)} p90 ${f(l.p90)} p99 ${f(l.p99)} p99.9 ${f(l.p999)} ms  errors ${errors}${ops}\n` +
    `${''.padEnd(22)} CPU ms/request: ${f(m.cpuTotal, 2)} system (${cpu})${stored}${drain}${pgw}${pgc}${m.note ? ` | ${m.note}` : ''}${m.failed ? `\n${''.padEnd(22)} FAILED: ${m.failed}` : ''}`
  );
}

export interface Target {
  readonly name: string;
  readonly value: string;
  readonly goal: string;
  readonly met: boolean | undefined;
}

export function targets(rows: readonly Measured[], floorRate: number | undefined): Target[] {
  const find = (row: string, mode: 'closed' | 'open'): Measured | undefined => rows.find((m) => m.row === row && m.load.mode === mode);
  const out: Target[] = [];
  const ratio = (m: Measured | undefined): number | undefined => (m && floorRate ? m.load.ok / m.load.seconds / floorRate : undefined);
  const mixSat = find('mix 60/30/10', 'closed');
  const mixOpen = find('mix 60/30/10', 'open');
  const feed = find('follow feed', 'closed');
  const post = find('create post', 'closed');
  const pct = (x: number | undefined): string => (x === undefined ? 'n/a' : `${(x * 100).toFixed(1)} %`);
  const r1 = ratio(mixSat);
  out.push({ name: 'mix saturation / gRPC floor', value: pct(r1), goal: '>= 30 %', met: r1 === undefined ? undefined : r1 >= 0.3 });
  out.push({ name: 'mix p99 at half saturation (open loop)', value: mixOpen ? `${f(mixOpen.load.p99)} ms at ${f(mixOpen.load.offered ?? 0, 0)}/s` : 'n/a', goal: '<= 50 ms', met: mixOpen ? mixOpen.load.p99 <= 50 : undefined });
  const r2 = ratio(feed);
  // Beside the follow feed's ratio, what its hops alone reach (the page-sized shape floor).
  const shape = ratio(find(PAGE_SIZED_FLOOR, 'closed'));
  out.push({ name: 'follow feed saturation / gRPC floor', value: `${pct(r2)}${shape === undefined ? '' : `; the page-sized shape floor: ${pct(shape)}`}`, goal: '>= 50 %', met: r2 === undefined ? undefined : r2 >= 0.5 });
  out.push({ name: 'follow feed CPU, all processes', value: feed ? `${f(feed.cpuTotal, 2)} ms/request` : 'n/a', goal: '<= 1.2 ms', met: feed ? feed.cpuTotal <= 1.2 : undefined });
  out.push({ name: 'create post CPU, all processes', value: post ? `${f(post.cpuTotal, 2)} ms/post` : 'n/a', goal: '<= 5 ms', met: post ? post.cpuTotal <= 5 : undefined });
  return out;
}
