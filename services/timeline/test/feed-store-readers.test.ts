// The fan-out's address lists (feed-store.ts, readers): a feed joins the lists of the authors it
// was built for, an entry lives as long as the feed it names (FEED_TTL_HOURS from the build), and
// a rebuild renews it. Real Redis; time is the store's clock.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createFeedStore } from '../src/adapters/feed-store.ts';
import { unique } from './support/harness.ts';

describe('timeline-svc feed store: readers of an author', () => {
  const TTL = 60_000;
  let redis: Redis;
  let clock = 1_000_000;
  const author = `8${Date.now()}${unique().slice(0, 3).replace(/\D/g, '')}`;
  const [a, b] = ['71', '72'].map((p) => `${p}${Date.now()}`);

  before(() => {
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: false, maxRetriesPerRequest: 1 });
  });
  after(async () => {
    await redis.del(`timeline:readers:{${author}}`);
    redis.disconnect();
  });

  it('when feeds are built for an author, then they are its readers until their lifetime ends, and a rebuild renews the entry', async () => {
    const store = createFeedStore(redis, 40, TTL, () => clock);
    await store.subscribe(a!, [author]);
    clock += TTL / 2;
    await store.subscribe(b!, [author]);
    assert.deepEqual((await store.readers(author)).sort(), [a, b].sort());
    assert.ok((await redis.pttl(`timeline:readers:{${author}}`)) > 0, 'the list itself expires too');

    clock += TTL / 2 + 1; // a's feed has expired, b's has not
    assert.deepEqual(await store.readers(author), [b]);
    assert.equal(await redis.zscore(`timeline:readers:{${author}}`, a!), null, 'the expired entry is removed, not only skipped');

    await store.subscribe(a!, [author]); // a reads again: the feed is rebuilt
    clock += TTL / 2; // b's feed has expired now, a's rebuilt one has not
    assert.deepEqual(await store.readers(author), [a]);
  });
});
