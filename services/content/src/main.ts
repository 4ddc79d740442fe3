// content-svc entry point: the only place that reads process.env and handles signals.
//   node src/main.ts            serve gRPC (default)
//   node src/main.ts migrate    apply pending migrations of the `content` schema and exit
//   node src/main.ts ensure-topics | cleanup-topics | relay-dead-letters | flush-views
//                               one-shot jobs (see src/adapters/jobs.ts), exit 0 on success
import { pino } from 'pino';
import { logContext } from './adapters/log-context.ts';
import { startService } from './app.ts';
import { z } from 'zod';
import { loadConfig, type Config } from './config.ts';
import { migrate } from './adapters/postgres.ts';
import { isJob, JOBS, runJob } from './adapters/jobs.ts';

const REDACT = ['password', '*.password', 'email', '*.email', 'accessToken', '*.accessToken', 'refreshToken', '*.refreshToken', 'authorization', '*.authorization'];

function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (err: unknown) {
    if (err instanceof z.ZodError) {
      process.stderr.write(`content-svc: invalid configuration\n${z.prettifyError(err)}\n`);
      process.exit(2);
    }
    throw err;
  }
}

const config = readConfig();
const log = pino({ name: 'content-svc', level: config.LOG_LEVEL, mixin: logContext, redact: { paths: REDACT, censor: '[redacted]' } });
const command = process.argv[2] ?? 'serve';

if (command === 'migrate') {
  const applied = await migrate(config.DATABASE_URL);
  log.info({ applied }, applied.length > 0 ? 'migrations applied' : 'schema up to date');
} else if (isJob(command)) {
  try {
    await runJob(command, config, log);
  } catch (err: unknown) {
    log.error({ err, job: command }, 'job failed');
    log.flush();
    process.exit(1);
  }
  log.flush();
  // Kafka and pool sockets may keep the loop alive for a while; the job is done.
  process.exit(0);
} else if (command === 'serve') {
  const service = await startService(config, log);
  log.info({ grpcPort: service.grpcPort, metricsPort: service.metricsPort }, 'content-svc listening');
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
  process.stderr.write(`content-svc: unknown command "${command}" (expected serve, migrate, ${JOBS.join(', ')})\n`);
  process.exit(2);
}
