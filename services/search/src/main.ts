// search-svc entry point: the only place that reads process.env and handles signals.
//   node src/main.ts            serve gRPC (default)
//   node src/main.ts migrate    apply pending migrations of the `search` schema and exit
//   node src/main.ts reindex [afterPostId afterCommentId]
//                               rebuild the configured engine's index from content's tables and exit
import { pino } from 'pino';
import { logContext } from './adapters/log-context.ts';
import { createEngine, startService } from './app.ts';
import { z } from 'zod';
import { loadConfig, type Config } from './config.ts';
import { connectPostgres, migrate } from './adapters/postgres.ts';
import { reindexFromContent } from './adapters/reindex.ts';
import { createSql } from './adapters/sql.ts';

const REDACT = ['password', '*.password', 'email', '*.email', 'accessToken', '*.accessToken', 'refreshToken', '*.refreshToken', 'authorization', '*.authorization'];

function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (err: unknown) {
    if (err instanceof z.ZodError) {
      process.stderr.write(`search-svc: invalid configuration\n${z.prettifyError(err)}\n`);
      process.exit(2);
    }
    throw err;
  }
}

const config = readConfig();
const log = pino({ name: 'search-svc', level: config.LOG_LEVEL, mixin: logContext, redact: { paths: REDACT, censor: '[redacted]' } });
const command = process.argv[2] ?? 'serve';

if (command === 'migrate') {
  const pg = await connectPostgres(config.DATABASE_URL, 2);
  try {
    const applied = await migrate(pg);
    log.info({ applied }, applied.length > 0 ? 'migrations applied' : 'schema up to date');
  } finally {
    await pg.close();
  }
} else if (command === 'reindex') {
  const [afterPostId = '0', afterCommentId = '0'] = process.argv.slice(3);
  if (!/^\d+$/.test(afterPostId) || !/^\d+$/.test(afterCommentId)) {
    process.stderr.write('search-svc: reindex [afterPostId afterCommentId]: ids must be digits\n');
    process.exit(2);
  }
  const pg = await connectPostgres(config.DATABASE_URL, 2);
  const source = config.CONTENT_READ_DATABASE_URL === '' ? pg : await connectPostgres(config.CONTENT_READ_DATABASE_URL, 2);
  try {
    const index = await createEngine(config, createSql(pg));
    const done = await reindexFromContent(createSql(source), index, {
      afterPostId,
      afterCommentId,
      // Resume after a failure with: node src/main.ts reindex <lastPostId> <lastCommentId>
      progress: (p) => log.info(p, 'reindex progress'),
    });
    log.info({ engine: config.SEARCH_ENGINE, ...done }, 'reindex done');
  } finally {
    if (source !== pg) await source.close();
    await pg.close();
  }
} else if (command === 'serve') {
  const service = await startService(config, log);
  log.info({ grpcPort: service.grpcPort, metricsPort: service.metricsPort }, 'search-svc listening');
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
  process.stderr.write(`search-svc: unknown command "${command}" (expected serve, migrate or reindex)\n`);
  process.exit(2);
}
