// Prometheus metrics: process defaults, one histogram of every RPC by method and status, and the
// read side's own: latency per feed (dailyfeed_feed_seconds{feed}), follow-feed cache hits and
// misses (dailyfeed_feed_cache_total{cache,result}; hit ratio = hit / (hit + miss + error)) and
// page sources, the fan-out consumer (events, list writes, chunk time), and the outcome of
// best-effort side effects (activity events, view counting). Served as text on GET /metrics.
import { status as Code } from '@grpc/grpc-js';
import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export interface RpcMetrics {
  /** Starts timing a call; the returned function records it with its final status. */
  startCall(method: string): (code: Code | 'OK') => void;
}

export type Feed = 'following' | 'most_popular' | 'most_commented' | 'recent' | 'my_posts' | 'author_posts' | 'date_range';

/**
 * following_ids: the cached following list; follow_feed: a member's stored feed (miss = rebuilt
 * from PostgreSQL first, error = Redis failed and the database answered); author_list: a heavy
 * author's stored list.
 */
export type CacheName = 'following_ids' | 'follow_feed' | 'author_list';

export interface FollowFeedMetrics {
  feedCache(cache: CacheName, result: 'hit' | 'miss' | 'error'): void;
  /** Where a follow-feed page came from: the stored feed, or the pull query (deep page, incomplete feed, Redis down). */
  followFeedPage(source: 'store' | 'database'): void;
}

export interface FanoutMetrics {
  /** A consumed event by type (post_create, post_delete, other) and outcome (applied, skipped, undecodable, abandoned). */
  fanoutEvent(type: string, outcome: 'applied' | 'skipped' | 'undecodable' | 'abandoned', count: number): void;
  /** Lists a new post was added to, by kind (feed, author). */
  fanoutLists(kind: 'feed' | 'author', count: number): void;
  /** Starts timing one chunk of events; the returned function records it with its outcome. */
  startFanoutChunk(): (outcome: 'ok' | 'failed') => void;
}

export interface ReadMetrics extends FollowFeedMetrics {
  /** Starts timing a feed read; the returned function records it. */
  startFeed(feed: Feed): () => void;
  activityEvent(outcome: 'sent' | 'failed' | 'dropped'): void;
  viewCount(outcome: 'counted' | 'own_post' | 'failed'): void;
  authorCache(result: 'hit' | 'miss', count: number): void;
}

export interface Metrics extends RpcMetrics, ReadMetrics, FanoutMetrics {
  readonly registry: Registry;
}

/**
 * prom-client validates and hashes a label object on every inc/observe; on the read path (a dozen
 * per feed page) each label combination's child is looked up once instead.
 */
function children<T>(make: (...values: string[]) => T): (...values: string[]) => T {
  const made = new Map<string, T>();
  return (...values) => {
    const key = values.join('\u0000');
    let child = made.get(key);
    if (child === undefined) made.set(key, (child = make(...values)));
    return child;
  };
}

export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  // The event-loop delay is sampled every 100 ms: prom-client's 10 ms wakes an idle process 100 times a second (~4 ms CPU/s).
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  const handled = new Histogram({
    name: 'grpc_server_handling_seconds',
    help: 'Time to handle a unary RPC, by method and gRPC status.',
    labelNames: ['grpc_method', 'grpc_code'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const feedSeconds = new Histogram({
    name: 'dailyfeed_feed_seconds',
    help: 'Time to build one page of a feed (query, enrichment), by feed.',
    labelNames: ['feed'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const feedCache = new Counter({
    name: 'dailyfeed_feed_cache_total',
    help: 'Follow-feed cache lookups by cache (following_ids, follow_feed, author_list) and result (hit, miss, error); hit ratio = hit / (hit + miss + error).',
    labelNames: ['cache', 'result'],
    registers: [registry],
  });
  const followPages = new Counter({
    name: 'dailyfeed_follow_feed_pages_total',
    help: 'Follow-feed pages by source: store (Redis feed + rows by id) or database (the pull query).',
    labelNames: ['source'],
    registers: [registry],
  });
  const fanoutEvents = new Counter({
    name: 'dailyfeed_fanout_events_total',
    help: 'Events read by the fan-out consumer, by type and outcome (applied, skipped, undecodable, abandoned after repeated failures).',
    labelNames: ['type', 'outcome'],
    registers: [registry],
  });
  const fanoutLists = new Counter({
    name: 'dailyfeed_fanout_list_writes_total',
    help: 'Stored lists a new post was added to, by kind (feed = a follower, author = a heavy author).',
    labelNames: ['kind'],
    registers: [registry],
  });
  const fanoutChunks = new Histogram({
    name: 'dailyfeed_fanout_chunk_seconds',
    help: 'Time to apply one chunk of consumed events, by outcome (ok, failed = retried).',
    labelNames: ['outcome'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const activityEvents = new Counter({
    name: 'dailyfeed_activity_events_total',
    help: 'Read events (POST_READ, COMMENT_READ) by outcome: sent, failed (Kafka error) or dropped (too many in flight).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const views = new Counter({
    name: 'dailyfeed_post_views_total',
    help: 'Post detail reads by view outcome: counted, own_post (author reading) or failed (Redis error).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const authors = new Counter({
    name: 'dailyfeed_author_cache_total',
    help: 'Author summary lookups answered by the in-process cache (hit) or asked of member-svc (miss).',
    labelNames: ['result'],
    registers: [registry],
  });
  const authorsOf = children((result) => authors.labels({ result }));
  const feedSecondsOf = children((feed) => feedSeconds.labels({ feed }));
  const feedCacheOf = children((cache, result) => feedCache.labels({ cache, result }));
  const followPagesOf = children((source) => followPages.labels({ source }));
  const handledOf = children((method, code) => handled.labels({ grpc_method: method, grpc_code: code }));
  return {
    registry,
    authorCache: (result, count) => authorsOf(result).inc(count),
    startFeed: (feed) => feedSecondsOf(feed).startTimer(),
    feedCache: (cache, result) => feedCacheOf(cache, result).inc(),
    followFeedPage: (source) => followPagesOf(source).inc(),
    fanoutEvent: (type, outcome, count) => fanoutEvents.inc({ type, outcome }, count),
    fanoutLists: (kind, count) => fanoutLists.inc({ kind }, count),
    startFanoutChunk() {
      const end = fanoutChunks.startTimer();
      return (outcome) => void end({ outcome });
    },
    activityEvent: (outcome) => activityEvents.inc({ outcome }),
    viewCount: (outcome) => views.inc({ outcome }),
    startCall(method) {
      const started = performance.now();
      return (code) => {
        handledOf(method, code === 'OK' ? 'OK' : (Code[code] ?? String(code))).observe((performance.now() - started) / 1000);
      };
    },
  };
}

/** Serves GET /metrics; resolves once listening. Port 0 picks a free port. */
export async function serveMetrics(registry: Registry, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(err));
        },
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
