// The feed store's heal after an abandoned fan-out chunk: markFeedsStale() makes every stored
// follow feed count as missing (so the follow feed rebuilds it from PostgreSQL on its next read,
// with the posts the abandoned chunk never added), and a feed rebuilt afterwards is valid again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createFeedStore, type FeedStore } from '../src/adapters/feed-store.ts';
import { unique } from './support/harness.ts';

describe('timeline-svc feed store: stale after an abandoned fan-out chunk', () => {
  let redis: Redis;
  let store: FeedStore;
  const member = `9${Date.now()}`;
  const reader = (): FeedStore => createFeedStore(redis, 40, 3600_000); // another replica

  before(() => {
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: false, maxRetriesPerRequest: 1 });
    store = createFeedStore(redis, 40, 3600_000);
  });
  after(async () => {
    await redis.del(`timeline:feed:{${member}}`, `timeline:feedmeta:{${member}}`);
    redis.disconnect();
  });

  it('when the feeds are marked stale, then a feed built before reads as missing, and once rebuilt it is served again', async () => {
    const fp = `fp-${unique()}`;
    await store.replace('feed', member, fp, [{ id: '1', micros: 1 }], true);
    const [built] = await store.load('feed', [member], 0, 9);
    assert.deepEqual(built?.meta, { fp, complete: true });

    await new Promise((r) => setTimeout(r, 5));
    await store.markFeedsStale();
    const [stale] = await store.load('feed', [member], 0, 9);
    assert.equal(stale?.meta, undefined, 'a feed built before the mark must be rebuilt');
    const [seenElsewhere] = await reader().load('feed', [member], 0, 9);
    assert.equal(seenElsewhere?.meta, undefined, 'another replica sees the mark too');

    await new Promise((r) => setTimeout(r, 5));
    await store.replace('feed', member, fp, [{ id: '1', micros: 1 }, { id: '2', micros: 2 }], true);
    const [rebuilt] = await store.load('feed', [member], 0, 9);
    assert.deepEqual(rebuilt?.meta, { fp, complete: true });
    assert.deepEqual(rebuilt?.entries.map((e) => e.id), ['2', '1']);
  });
});
