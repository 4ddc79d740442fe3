// The feed store against real Redis: the fan-out's address lists (readers: a feed joins the lists
// of the authors it was built for, an entry lives as long as the feed it names, FEED_TTL_HOURS from
// the build, and a rebuild renews it; time is the store's clock), and lists kept compact.
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
    await redis.del(`timeline:readers:{${author}}`, `timeline:feed:{${a}}`, `timeline:feedmeta:{${a}}`);
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

  it('when a batch of adds takes a feed past Redis\'s compact-encoding size, then once trimmed to the cap it is compact again', async () => {
    const store = createFeedStore(redis, 120, TTL);
    await redis.ping(); // the store's CONFIG GET (zset-max-listpack-entries) has been answered
    const entries = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ id: String(from + i), micros: from + i }));
    await store.replace('feed', a!, 'fp', entries(1, 100), true);
    assert.equal(await redis.object('ENCODING', `timeline:feed:{${a}}`), 'listpack');
    assert.equal(await store.add('feed', [a!], entries(1000, 60)), 1);
    assert.equal(await redis.zcard(`timeline:feed:{${a}}`), 120);
    assert.equal(await redis.object('ENCODING', `timeline:feed:{${a}}`), 'listpack', '120 entries in the compact encoding, not a skiplist left by the 160 before the trim');
    const [loaded] = await store.load('feed', [a!], 0, 2);
    assert.deepEqual(loaded?.entries.map((e) => e.id), ['1059', '1058', '1057'], 'the newest kept, in order');
    assert.ok((await redis.pttl(`timeline:feed:{${a}}`)) > 0, 'the rewritten list keeps its lifetime');
  });
});
