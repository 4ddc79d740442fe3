// The Grafana dashboard covers what the services export, with queries on the real metric names.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

interface Dashboard {
  uid: string;
  panels: { id: number; title: string; gridPos: { x: number; y: number; w: number; h: number }; targets: { expr: string }[] }[];
}
const board = JSON.parse(readFileSync(new URL('../generated/dashboards/dailyfeed-services.json', import.meta.url), 'utf8')) as Dashboard;
const exprs = board.panels.flatMap((p) => p.targets.map((t) => t.expr));
const has = (pattern: RegExp): boolean => exprs.some((e) => pattern.test(e));

test('when the dashboard is imported, then RPC rate, errors and p99 latency are shown per service and method', () => {
  assert.ok(has(/sum by \(service, grpc_method\) \(rate\(grpc_server_handling_seconds_count/));
  assert.ok(has(/grpc_server_handling_seconds_count\{[^}]*grpc_code!="OK"/));
  assert.ok(has(/histogram_quantile\(0\.99, sum by \(le, service, grpc_method\) \(rate\(grpc_server_handling_seconds_bucket/));
});

test('when the dashboard is imported, then the edge latency, Kafka lag, outbox backlog and dead letters by state are shown', () => {
  assert.ok(has(/histogram_quantile\(0\.99, .*http_server_request_duration_seconds_bucket/));
  assert.ok(has(/dailyfeed_kafka_consumer_lag/));
  assert.ok(has(/dailyfeed_outbox_backlog/));
  assert.ok(has(/sum by \(service, state\) \(dailyfeed_dead_letters/));
});

test('when the dashboard is imported, then every caller\'s breaker state and refused calls are shown per callee', () => {
  assert.ok(has(/max by \(service, callee\) \(dailyfeed_client_breaker_state\)/));
  assert.ok(has(/sum by \(service, callee, reason\) \(rate\(dailyfeed_client_calls_rejected_total/));
});

test('when Grafana lays the panels out, then ids are unique and no two panels overlap', () => {
  const ids = board.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const [i, a] of board.panels.entries()) {
    for (const b of board.panels.slice(i + 1)) {
      const apart = a.gridPos.x + a.gridPos.w <= b.gridPos.x || b.gridPos.x + b.gridPos.w <= a.gridPos.x || a.gridPos.y + a.gridPos.h <= b.gridPos.y || b.gridPos.y + b.gridPos.h <= a.gridPos.y;
      assert.ok(apart, `${a.title} overlaps ${b.title}`);
    }
  }
});
