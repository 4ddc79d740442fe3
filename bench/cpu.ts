// CPU accounting for the benches: what each co-located process spent per request, from /proc.
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time (user + system, ms) used so far by each part of the co-located system, read from
 * /proc: the two services by pid, this bench process, and PostgreSQL, Redis and Kafka by command
 * name. A difference of two snapshots divided by the requests served is the CPU cost per request.
 */
export function cpuSnapshot(pids: Record<string, number>): Map<string, number> {
  const byPid = new Map(Object.entries(pids).map(([name, pid]) => [pid, name]));
  const out = new Map<string, number>();
  const tick = 10; // ms per clock tick (USER_HZ 100)
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = (Number(fields[11]) + Number(fields[12])) * tick;
    const name = byPid.get(Number(entry)) ?? (comm === 'postgres' ? 'postgres' : comm.startsWith('redis-server') ? 'redis' : comm === 'java' ? 'kafka' : undefined);
    if (name !== undefined) out.set(name, (out.get(name) ?? 0) + ms);
  }
  return out;
}

export function cpuPerRequest(before: Map<string, number>, after: Map<string, number>, requests: number): string {
  const parts = [...after].map(([name, ms]) => [name, (ms - (before.get(name) ?? 0)) / requests] as const).filter(([, ms]) => ms > 0.005);
  const total = parts.reduce((sum, [, ms]) => sum + ms, 0);
  return `${total.toFixed(2)} ms CPU/request (${parts.map(([name, ms]) => `${name} ${ms.toFixed(2)}`).join(', ')})`;
}

