// search-svc stops within its shutdown grace (SHUTDOWN_TIMEOUT_MS, 10 s) while Kafka is gone: the
// indexer's stop no longer waits out kafkajs's retries of the commit, group leave and disconnect
// (it took ~30 s). It stops the broker of this run (infra.sh kafka-down, as activity's
// broker-restart test does), so it only runs when asked: SEARCH_KAFKA_STOP_TEST=1.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { startSearch } from './support/helpers.ts';

const infraSh = fileURLToPath(new URL('../../../infra/infra.sh', import.meta.url));
const infra = (command: 'kafka-down' | 'kafka-up') => execFileSync('bash', [infraSh, command], { stdio: 'ignore', timeout: 120_000 });
const skip = process.env.SEARCH_KAFKA_STOP_TEST === '1' ? false : 'stops the broker; opt in with SEARCH_KAFKA_STOP_TEST=1';

describe('search-svc shutdown with Kafka gone', { skip }, () => {
  after(() => infra('kafka-up'));

  it('when Kafka is down and the service is stopped, then it stops within its 10 s grace', async () => {
    const search = await startSearch();
    // Let the indexer join its group and fetch, so there is a live consumer to stop.
    await new Promise((r) => setTimeout(r, 3000));
    infra('kafka-down');
    const started = Date.now();
    await search.service.stop();
    search.client.close();
    const tookMs = Date.now() - started;
    assert.ok(tookMs < 10_000, `stop took ${tookMs} ms`);
  });
});
