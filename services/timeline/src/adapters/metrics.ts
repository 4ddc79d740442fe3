// Prometheus metrics: process defaults, one histogram of every RPC by method and status, and the
// read side's own: latency per feed (dailyfeed_feed_seconds{feed}), cache hits and misses per
// feed (dailyfeed_feed_cache_total{feed,result}; hit ratio = hit / (hit + miss + error)), and the
// outcome of best-effort side effects (activity events, view counting). Served as text on GET
// /metrics of a small HTTP listener.
import { status as Code } from '@grpc/grpc-js';
import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export interface RpcMetrics {
  /** Starts timing a call; the returned function records it with its final status. */
  startCall(method: string): (code: Code | 'OK') => void;
}

export type Feed = 'following' | 'most_popular' | 'most_commented' | 'recent' | 'my_posts' | 'author_posts' | 'date_range';

export interface ReadMetrics {
  /** Starts timing a feed read; the returned function records it. */
  startFeed(feed: Feed): () => void;
  cache(feed: Feed, result: 'hit' | 'miss' | 'error'): void;
  activityEvent(outcome: 'sent' | 'failed' | 'dropped'): void;
  viewCount(outcome: 'counted' | 'own_post' | 'failed'): void;
  authorCache(result: 'hit' | 'miss', count: number): void;
}

export interface Metrics extends RpcMetrics, ReadMetrics {
  readonly registry: Registry;
}

export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
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
    help: 'Cache lookups of the feeds (following list of the follow feed), by feed and result (hit, miss, error).',
    labelNames: ['feed', 'result'],
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
  return {
    registry,
    authorCache: (result, count) => authors.inc({ result }, count),
    startFeed: (feed) => feedSeconds.startTimer({ feed }),
    cache: (feed, result) => feedCache.inc({ feed, result }),
    activityEvent: (outcome) => activityEvents.inc({ outcome }),
    viewCount: (outcome) => views.inc({ outcome }),
    startCall(method) {
      const end = handled.startTimer({ grpc_method: method });
      return (code) => {
        end({ grpc_code: code === 'OK' ? 'OK' : (Code[code] ?? String(code)) });
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
