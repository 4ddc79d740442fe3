// activity-svc entry point: the only place that reads process.env and handles signals.
//   node src/main.ts            serve gRPC (default)
//   node src/main.ts migrate    apply pending migrations of the `activity` schema and exit
//   node src/main.ts replay-dead-letters
//                               one pass of the dead-letter replay job over every due PENDING
//                               letter (e.g. from a CronJob), then exit; 1 when PostgreSQL fails
import { pino } from 'pino';
import { logContext } from './adapters/log-context.ts';
import { replayPolicyOf, startService } from './app.ts';
import { z } from 'zod';
import { loadConfig, type Config } from './config.ts';
import { createActivityStore } from './adapters/activity-store.ts';
import { createDeadLetterStore } from './adapters/dead-letter-store.ts';
import { connectPostgres, migrate } from './adapters/postgres.ts';
import { createSql } from './adapters/sql.ts';
import { createDeadLetterReplay } from './handlers/dead-letter-replay.ts';

const REDACT = ['password', '*.password', 'email', '*.email', 'accessToken', '*.accessToken', 'refreshToken', '*.refreshToken', 'authorization', '*.authorization'];

function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (err: unknown) {
    if (err instanceof z.ZodError) {
      process.stderr.write(`activity-svc: invalid configuration\n${z.prettifyError(err)}\n`);
      process.exit(2);
    }
    throw err;
  }
}

const config = readConfig();
const log = pino({ name: 'activity-svc', level: config.LOG_LEVEL, mixin: logContext, redact: { paths: REDACT, censor: '[redacted]' } });
const command = process.argv[2] ?? 'serve';

if (command === 'migrate') {
  const pg = await connectPostgres(config.DATABASE_URL, 2);
  try {
    const applied = await migrate(pg);
    log.info({ applied }, applied.length > 0 ? 'migrations applied' : 'schema up to date');
  } finally {
    await pg.close();
  }
} else if (command === 'replay-dead-letters') {
  const pg = await connectPostgres(config.DATABASE_URL, 2);
  try {
    const sql = createSql(pg);
    const replay = createDeadLetterReplay({
      activities: createActivityStore(sql),
      deadLetters: createDeadLetterStore(sql, config.ACTIVITY_TOPIC_PREFIX),
      policy: replayPolicyOf(config),
      batchSize: config.REPLAY_BATCH_SIZE,
    });
    log.info(await replay.replayAllDue(), 'dead-letter replay done');
  } catch (err: unknown) {
    log.error({ err }, 'dead-letter replay failed');
    process.exitCode = 1;
  } finally {
    await pg.close();
  }
} else if (command === 'serve') {
  const service = await startService(config, log);
  log.info({ grpcPort: service.grpcPort, metricsPort: service.metricsPort }, 'activity-svc listening');
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    log.info({ signal }, 'shutting down');
    service.stop().then(
      () => {
        log.info({}, 'shutdown complete');
        log.flush();
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
} else {
  process.stderr.write(`activity-svc: unknown command "${command}" (expected serve, migrate or replay-dead-letters)\n`);
  process.exit(2);
}
