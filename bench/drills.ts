// `npm run drills [-- --only kafka,redis,...] [--short]`: fault drills against a stack this
// script starts on free ports with its own database (DRILLS_DATABASE, default dailyfeed_drills,
// dropped and re-created), its own redis-server and its own Kafka broker — never the developer's
// running stack. Prints each drill's ledger and a summary; exits 1 when any drill fails.
// Drills: kafka, activity-kill, content-kill, postgres, redis, poison, overload.
import { DRILL_NAMES, runDrillSafely, type DrillName, type DrillResult } from './drills/drills.ts';
import { formatLedger, formatSummary } from './drills/report.ts';
import { FULL, openSession, SHORT } from './drills/session.ts';

function parseArgs(argv: readonly string[]): { only: DrillName[]; short: boolean } {
  let only: DrillName[] = [...DRILL_NAMES];
  let short = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--short') short = true;
    else if (arg === '--only' || arg?.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      const names = (value ?? '').split(',').filter((n) => n !== '');
      const unknown = names.filter((n) => !(DRILL_NAMES as readonly string[]).includes(n));
      if (names.length === 0 || unknown.length > 0) {
        process.stderr.write(`--only takes a comma-separated list of ${DRILL_NAMES.join(', ')} (unknown: ${unknown.join(', ') || 'none given'})\n`);
        process.exit(2);
      }
      only = names as DrillName[];
    } else {
      process.stderr.write(`unknown argument ${arg}; usage: npm run drills [-- --only ${DRILL_NAMES.join(',')}] [--short]\n`);
      process.exit(2);
    }
  }
  return { only, short };
}

const { only, short } = parseArgs(process.argv.slice(2));
const log = (line: string): void => void process.stdout.write(`${line}\n`);
const session = await openSession({ database: process.env.DRILLS_DATABASE ?? 'dailyfeed_drills', size: short ? SHORT : FULL, log });
// Ctrl-C: exit, and the session's exit hook stops the stack, Redis and Kafka.
process.once('SIGINT', () => process.exit(130));
const results: DrillResult[] = [];
try {
  for (const name of only) {
    const result = await runDrillSafely(session, name);
    results.push(result);
    log(formatLedger(result));
    const healed = await session.heal();
    if (healed.length > 0) log(`   (restarted before the next drill: ${healed.join(', ')})`);
  }
} finally {
  await session.close();
}
log(`\n${formatSummary(results)}`);
process.exit(results.every((r) => r.failures.length === 0) ? 0 : 1);
