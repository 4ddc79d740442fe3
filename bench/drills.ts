// `npm run drills [-- --only kafka,redis,...] [--short] [--rate N] [--operations N]`: fault
// drills against a stack this script starts on free ports with its own database (DRILLS_DATABASE,
// default dailyfeed_drills, dropped and re-created), its own redis-server and its own Kafka
// broker — never the developer's running stack. --rate is the burst's offered operations/s (keep
// it below the machine's saturation, or every drill measures overload), --operations its length.
// Prints each drill's ledger and a summary; exits 1 when any drill fails.
// Drills: poison, activity-kill, content-kill, postgres, redis, kafka, overload.
import { DRILL_NAMES, runDrillSafely, type DrillName, type DrillResult } from './drills/drills.ts';
import { formatLedger, formatSummary } from './drills/report.ts';
import { FULL, openSession, SHORT } from './drills/session.ts';

function parseArgs(argv: readonly string[]): { only: DrillName[]; short: boolean; rate?: number; operations?: number } {
  let only: DrillName[] = [...DRILL_NAMES];
  let short = false;
  const numbers: { rate?: number; operations?: number } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--short') short = true;
    else if (arg === '--rate' || arg === '--operations') {
      const value = Number(argv[++i]);
      if (!(Number.isInteger(value) && value > 0)) {
        process.stderr.write(`${arg} takes a positive whole number\n`);
        process.exit(2);
      }
      numbers[arg === '--rate' ? 'rate' : 'operations'] = value;
    }
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
      process.stderr.write(`unknown argument ${arg}; usage: npm run drills [-- --only ${DRILL_NAMES.join(',')}] [--short] [--rate N] [--operations N]\n`);
      process.exit(2);
    }
  }
  return { only, short, ...numbers };
}

const { only, short, rate, operations } = parseArgs(process.argv.slice(2));
const base = short ? SHORT : FULL;
const size = { ...base, ratePerSec: rate ?? base.ratePerSec, operations: operations ?? base.operations };
const log = (line: string): void => void process.stdout.write(`${line}\n`);
const session = await openSession({ database: process.env.DRILLS_DATABASE ?? 'dailyfeed_drills', size, log });
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
