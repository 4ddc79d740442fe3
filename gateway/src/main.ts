// Gateway entry point: the only place that reads process.env and handles signals.
import { pino } from 'pino';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createServer } from './server.ts';

const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'password', '*.password', 'email', '*.email'];

function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (err: unknown) {
    if (err instanceof ConfigError) {
      process.stderr.write(`gateway: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

const config = readConfig();
const log = pino({ name: 'gateway', level: config.LOG_LEVEL, redact: { paths: REDACT, censor: '[redacted]' } });
const app = createServer({ log });
await app.listen({ host: config.HTTP_HOST, port: config.HTTP_PORT });
log.info({ port: config.HTTP_PORT }, 'gateway listening');

let signals = 0;
const onSignal = (signal: NodeJS.Signals): void => {
  signals += 1;
  if (signals > 1) process.exit(1);
  log.info({ signal }, 'shutting down');
  const timer = setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT_MS);
  timer.unref();
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);
