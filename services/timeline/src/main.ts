// timeline-svc entry point: the only place that reads process.env and handles signals.
//   node src/main.ts            serve gRPC (default)
//   node src/main.ts migrate    apply pending migrations of the `timeline` schema, provision the
//                               read-only role of CONTENT_READ_DATABASE_URL (run after content's
//                               migrate, so its tables get the grant) and exit
import { pino } from 'pino';
import { logContext } from './adapters/log-context.ts';
import { startService } from './app.ts';
import { z } from 'zod';
import { loadConfig, type Config } from './config.ts';
import { connectPostgres, migrate } from './adapters/postgres.ts';

const REDACT = ['password', '*.password', 'email', '*.email', 'accessToken', '*.accessToken', 'refreshToken', '*.refreshToken', 'authorization', '*.authorization'];

function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (err: unknown) {
    if (err instanceof z.ZodError) {
      process.stderr.write(`timeline-svc: invalid configuration\n${z.prettifyError(err)}\n`);
      process.exit(2);
    }
    throw err;
  }
}

const config = readConfig();
const log = pino({ name: 'timeline-svc', level: config.LOG_LEVEL, mixin: logContext, redact: { paths: REDACT, censor: '[redacted]' } });
const command = process.argv[2] ?? 'serve';

if (command === 'migrate') {
  const pg = await connectPostgres(config.DATABASE_URL, 2);
  try {
    const applied = await migrate(pg, config.CONTENT_READ_DATABASE_URL);
    log.info({ applied }, applied.length > 0 ? 'migrations applied' : 'schema up to date');
  } finally {
    await pg.close();
  }
} else if (command === 'serve') {
  const service = await startService(config, log);
  log.info({ grpcPort: service.grpcPort, metricsPort: service.metricsPort }, 'timeline-svc listening');
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
  process.stderr.write(`timeline-svc: unknown command "${command}" (expected serve or migrate)\n`);
  process.exit(2);
}
