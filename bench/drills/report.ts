// Prints a drill's ledger: answers by kind and HTTP status, writes acknowledged / committed,
// events expected / stored / lost / duplicated per store, time to recover, PASS or FAIL and why.
import type { DrillResult } from './drills.ts';

const sec = (ms: number | undefined): string => (ms === undefined ? 'not recovered' : `${(ms / 1000).toFixed(1)} s`);

export function formatLedger(r: DrillResult): string {
  const lines: string[] = [];
  lines.push(`── drill ${r.name}: ${r.title} — ${r.failures.length === 0 ? 'PASS' : 'FAIL'}`);
  for (const [kind, byStatus] of r.tally.byKind) {
    const total = [...byStatus.values()].reduce((a, b) => a + b, 0);
    const ok = [...byStatus].filter(([st]) => st >= 200 && st < 300).reduce((a, [, n]) => a + n, 0);
    const failed = [...byStatus].filter(([st]) => st < 200 || st >= 300).sort(([a], [b]) => a - b).map(([st, n]) => `${n} × ${st === 0 ? 'no answer' : st}`);
    lines.push(`   ${`${kind}s`.padEnd(9)} attempted ${String(total).padStart(5)}  ok ${String(ok).padStart(5)}  failed ${failed.length === 0 ? '0' : failed.join(', ')}`);
  }
  const l = r.ledger;
  if (l !== undefined) {
    lines.push(`   writes    acknowledged ${l.writes.acknowledged}, in PostgreSQL ${l.writes.committed} (${l.writes.committedUnacknowledged} committed though not acknowledged), lost ${l.writes.lost}, duplicated ${l.writes.duplicated}`);
    lines.push(`   ${'store'.padEnd(14)}${'expected'.padStart(9)}${'stored'.padStart(8)}${'lost'.padStart(6)}${'dup'.padStart(5)}`);
    for (const [store, n] of Object.entries(l.stores)) {
      lines.push(`   ${store.padEnd(14)}${String(n.expected).padStart(9)}${String(n.stored).padStart(8)}${String(n.lost).padStart(6)}${String(n.duplicated).padStart(5)}`);
    }
    if (l.feedsRebuilt > 0) lines.push(`   ${l.feedsRebuilt} stored follow feeds were gone and rebuilt on read`);
  }
  lines.push(`   recovery  ${sec(r.recoveryMs)} from the fault's end to every store complete`);
  for (const note of r.notes) lines.push(`   note      ${note}`);
  for (const failure of r.failures) lines.push(`   FAIL      ${failure}`);
  return lines.join('\n');
}

export function formatSummary(results: readonly DrillResult[]): string {
  return [
    'drill          result  recovery       why',
    ...results.map((r) => `${r.name.padEnd(15)}${(r.failures.length === 0 ? 'PASS' : 'FAIL').padEnd(8)}${sec(r.recoveryMs).padEnd(15)}${r.failures.join('; ')}`),
  ].join('\n');
}
