// bench/mixed: CPU time of every process of the system, from /proc/<pid>/stat (utime + stime of
// the process and of its reaped children), per pid, so a process that starts between two
// snapshots counts whole and one that exits is dropped rather than making a sum go negative.
//   - the services, the edge and the load generator (this process): by pid;
//   - PostgreSQL: every `postgres` process (server processes and backends) except backends of
//     other databases (pg_stat_activity), so a shared server's other work is left out; each
//     backend is also counted under its client (`pg:<application_name>`, `pg:server` for the
//     server's own processes) so a row shows which service's statements the database spent on;
//   - Redis: the server's own pid (INFO server), Kafka: the process listening on the broker port.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type pg from 'pg';

const TICK_MS = 10; // USER_HZ 100

export type Snapshot = Map<number, { readonly name: string; readonly ms: number; readonly client?: string }>;

/** The prefix of the per-client PostgreSQL entries: a breakdown of `postgres`, never added to a total. */
export const PG_CLIENT = 'pg:';

function readStat(pid: number | string): { comm: string; self: number; children: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // exited
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const self = (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  const children = (Number(fields[13]) + Number(fields[14])) * TICK_MS;
  return { comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), self, children };
}

/** The pid of the process holding a listening TCP socket on `port` (IPv4 or IPv6), or undefined. */
export function listenerPid(port: number): number | undefined {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[1]?.endsWith(`:${hex}`) && cols[3] === '0A') inodes.add(cols[9] ?? '');
    }
  }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${entry}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return Number(entry);
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}

export async function redisPid(redis: Redis): Promise<number> {
  const info = await redis.info('server');
  return Number(/process_id:(\d+)/.exec(info)?.[1] ?? 0);
}

export interface CpuSources {
  /** Named processes by pid (services, edge, bench, redis, kafka, ...). */
  readonly pids: ReadonlyMap<string, number>;
  /** A connection to the bench's database, to tell its backends from other databases' ones. */
  readonly db: pg.Client;
  readonly database: string;
}

export async function snapshot(sources: CpuSources): Promise<Snapshot> {
  const { rows } = await sources.db.query<{ pid: number; datname: string | null; application_name: string }>('select pid, datname, application_name from pg_stat_activity');
  const otherDatabases = new Set(rows.filter((r) => r.datname !== null && r.datname !== sources.database).map((r) => r.pid));
  const clientOf = new Map(rows.filter((r) => r.datname === sources.database).map((r) => [r.pid, r.application_name.replace(/-svc$/, '') || 'unnamed'] as const));
  const out: Snapshot = new Map();
  for (const [name, pid] of sources.pids) {
    const s = readStat(pid);
    if (s) out.set(pid, { name, ms: s.self + s.children });
  }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || otherDatabases.has(Number(entry))) continue;
    const s = readStat(entry);
    // Backends: utime/stime only (the postmaster's reaped children would count every database's exited backends).
    if (s?.comm === 'postgres' && !out.has(Number(entry))) out.set(Number(entry), { name: 'postgres', ms: s.self, client: clientOf.get(Number(entry)) ?? 'server' });
  }
  return out;
}

/** CPU ms per name between two snapshots, and PostgreSQL's again per client (`pg:<client>`). */
export function cpuDelta(before: Snapshot, after: Snapshot): Map<string, number> {
  const out = new Map<string, number>();
  const add = (key: string, ms: number): void => void out.set(key, (out.get(key) ?? 0) + ms);
  for (const [pid, { name, ms, client }] of after) {
    const spent = ms - (before.get(pid)?.ms ?? 0);
    add(name, spent);
    if (client !== undefined) add(`${PG_CLIENT}${client}`, spent);
  }
  return out;
}
