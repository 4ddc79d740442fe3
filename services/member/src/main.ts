// member-svc entry point: the only place that reads process.env and handles signals.
//   node src/main.ts            serve gRPC (default)
//   node src/main.ts migrate         apply pending migrations of the `member` schema and exit
//   node src/main.ts rotate-keys     bootstrap/rotate/retire signing keys once and exit (CronJob)
//   node src/main.ts cleanup-tokens  delete expired refresh-token and blacklist rows and exit
import { pino } from 'pino';
import { logContext } from './adapters/log-context.ts';
import { startService } from './app.ts';
import { z } from 'zod';
import { loadConfig, type Config } from './config.ts';
import { connectPostgres, migrate } from './adapters/postgres.ts';
import { createSessionsRepo } from './adapters/sessions-repo.ts';
import { createSql } from './adapters/sql.ts';
import { createKeyRepo } from './wiring.ts';

const REDACT = ['password', '*.password', 'email', '*.email', 'accessToken', '*.accessToken', 'refreshToken', '*.refreshToken', 'authorization', '*.authorization'];

function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (err: unknown) {
    if (err instanceof z.ZodError) {
      process.stderr.write(`member-svc: invalid configuration\n${z.prettifyError(err)}\n`);
      process.exit(2);
    }
    throw err;
  }
}

const config = readConfig();
const log = pino({ name: 'member-svc', level: config.LOG_LEVEL, mixin: logContext, redact: { paths: REDACT, censor: '[redacted]' } });
const command = process.argv[2] ?? 'serve';

if (command === 'migrate') {
  const pg = await connectPostgres(config.DATABASE_URL, 2);
  try {
    const applied = await migrate(pg);
    log.info({ applied }, applied.length > 0 ? 'migrations applied' : 'schema up to date');
  } finally {
    await pg.close();
  }
} else if (command === 'rotate-keys') {
  const pg = await connectPostgres(config.DATABASE_URL, 2);
  try {
    const result = await createKeyRepo(pg, config).rotate(new Date());
    log.info({ ...result, issuer: config.JWT_ISSUER }, result.rotated ? 'new primary signing key' : 'signing keys up to date');
  } finally {
    await pg.close();
  }
} else if (command === 'cleanup-tokens') {
  const pg = await connectPostgres(config.DATABASE_URL, 2);
  try {
    const deleted = await createSessionsRepo().deleteExpired(createSql(pg), new Date());
    log.info({ deleted }, 'expired tokens deleted');
  } finally {
    await pg.close();
  }
} else if (command === 'serve') {
  const service = await startService(config, log);
  log.info({ grpcPort: service.grpcPort, metricsPort: service.metricsPort }, 'member-svc listening');
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
  process.stderr.write(`member-svc: unknown command "${command}" (expected serve, migrate, rotate-keys or cleanup-tokens)\n`);
  process.exit(2);
}
