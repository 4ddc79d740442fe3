// The Grafana dashboard for what the services export: RPC rate, errors and p99 latency per service
// and method (grpc_server_handling_seconds), the edge's HTTP latency, Kafka consumer lag, outbox
// backlog and dead letters. Generated so panel ids and layout stay consistent as panels are added.

export interface Panel {
  readonly id: number;
  readonly type: 'timeseries';
  readonly title: string;
  readonly description: string;
  readonly datasource: { readonly type: 'prometheus'; readonly uid: '${datasource}' };
  readonly gridPos: { readonly h: number; readonly w: number; readonly x: number; readonly y: number };
  readonly fieldConfig: { readonly defaults: { readonly unit: string }; readonly overrides: readonly never[] };
  readonly targets: readonly { readonly refId: string; readonly expr: string; readonly legendFormat: string }[];
}

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;
const SERVICE_FILTER = 'service=~"$service"';

interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly unit: string;
  readonly expr: string;
  readonly legend: string;
}

export const PANELS: readonly PanelSpec[] = [
  {
    title: 'gRPC requests per second',
    description: 'Handled RPCs by service and method.',
    unit: 'reqps',
    expr: `sum by (service, grpc_method) (rate(grpc_server_handling_seconds_count{${SERVICE_FILTER}}[$__rate_interval]))`,
    legend: '{{service}} {{grpc_method}}',
  },
  {
    title: 'gRPC errors per second',
    description: 'RPCs that ended with a status other than OK, by service, method and code.',
    unit: 'reqps',
    expr: `sum by (service, grpc_method, grpc_code) (rate(grpc_server_handling_seconds_count{${SERVICE_FILTER}, grpc_code!="OK"}[$__rate_interval]))`,
    legend: '{{service}} {{grpc_method}} {{grpc_code}}',
  },
  {
    title: 'gRPC p99 latency',
    description: '99th percentile handling time by service and method.',
    unit: 's',
    expr: `histogram_quantile(0.99, sum by (le, service, grpc_method) (rate(grpc_server_handling_seconds_bucket{${SERVICE_FILTER}}[$__rate_interval])))`,
    legend: '{{service}} {{grpc_method}}',
  },
  {
    title: 'Edge HTTP p99 latency',
    description: '99th percentile of the REST edge by route and status.',
    unit: 's',
    expr: 'histogram_quantile(0.99, sum by (le, route, status) (rate(http_server_request_duration_seconds_bucket[$__rate_interval])))',
    legend: '{{route}} {{status}}',
  },
  {
    title: 'Edge HTTP requests per second',
    description: 'REST requests by route and status.',
    unit: 'reqps',
    expr: 'sum by (route, status) (rate(http_server_request_duration_seconds_count[$__rate_interval]))',
    legend: '{{route}} {{status}}',
  },
  {
    title: 'Kafka consumer lag',
    description: 'Messages not yet processed by each consumer, by topic.',
    unit: 'short',
    expr: `sum by (service, topic) (dailyfeed_kafka_consumer_lag{${SERVICE_FILTER}})`,
    legend: '{{service}} {{topic}}',
  },
  {
    title: 'Outbox backlog',
    description: 'Committed events waiting to be published to Kafka.',
    unit: 'short',
    expr: `sum by (service) (dailyfeed_outbox_backlog{${SERVICE_FILTER}})`,
    legend: '{{service}}',
  },
  {
    title: 'Dead letters',
    description: 'Publisher and listener dead letters by state (pending ones await the relay/replay jobs).',
    unit: 'short',
    expr: `sum by (service, state) (dailyfeed_dead_letters{${SERVICE_FILTER}})`,
    legend: '{{service}} {{state}}',
  },
  {
    title: 'Circuit breakers (caller -> callee)',
    description: 'State of each caller\'s breaker for a callee (the edge included): 0 closed, 1 open, 2 half-open.',
    unit: 'short',
    expr: 'max by (service, callee) (dailyfeed_client_breaker_state)',
    legend: '{{service}} -> {{callee}}',
  },
  {
    title: 'Calls refused before sending',
    description: 'Calls a caller did not send: its breaker for the callee was open, or it was over its client rate limit.',
    unit: 'reqps',
    expr: 'sum by (service, callee, reason) (rate(dailyfeed_client_calls_rejected_total[$__rate_interval]))',
    legend: '{{service}} -> {{callee}} {{reason}}',
  },
];

export function dashboard(): Record<string, unknown> {
  const panels: Panel[] = PANELS.map((p, i) => ({
    id: i + 1,
    type: 'timeseries',
    title: p.title,
    description: p.description,
    datasource: DATASOURCE,
    // Two panels per row, 12 of Grafana's 24 columns each.
    gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
    fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
    targets: [{ refId: 'A', expr: p.expr, legendFormat: p.legend }],
  }));
  return {
    uid: 'dailyfeed-services',
    title: 'dailyfeed services',
    tags: ['dailyfeed'],
    timezone: 'utc',
    schemaVersion: 39,
    version: 1,
    editable: true,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    templating: {
      list: [
        { name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Data source' },
        {
          name: 'service',
          type: 'query',
          label: 'Service',
          datasource: DATASOURCE,
          query: 'label_values(grpc_server_handling_seconds_count, service)',
          refresh: 2,
          multi: true,
          includeAll: true,
          allValue: '.*',
        },
      ],
    },
    panels,
  };
}
