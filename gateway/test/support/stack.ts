// One real stack for every contract test: member-svc, content-svc, timeline-svc, activity-svc,
// image-svc and search-svc as processes, and the edge in front of them. Spawning each service
// once (instead of once per test file) keeps the suite fast on small CI machines.
import { spawnService, type SpawnedService } from '../../../test/support/spawn-service.ts';
import { client, type CallOptions, type CallResult } from './http-client.ts';
import { startGateway, type RunningGateway } from './harness.ts';

/** timeline reads content's tables with its own read-only role (services/timeline/test/support). */
const TIMELINE_READ_URL = process.env.TEST_TIMELINE_READ_URL ?? 'postgres://dailyfeed_timeline_ro@127.0.0.1:5432/dailyfeed_test';

export type Call = (method: string, path: string, options?: CallOptions) => Promise<CallResult>;

export interface Stack {
  /** The edge's base URL. */
  base(): string;
  readonly call: Call;
}

export interface StackControl {
  readonly stack: Stack;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createStack(): StackControl {
  const services: SpawnedService[] = [];
  let gateway: RunningGateway | undefined;
  let call: Call | undefined;
  const started = (): RunningGateway => {
    if (gateway === undefined) throw new Error('the stack is not started');
    return gateway;
  };
  return {
    stack: {
      base: () => started().base,
      call: (method, path, options) => {
        if (call === undefined) throw new Error('the stack is not started');
        return call(method, path, options);
      },
    },
    async start() {
      const member = await spawnService('member', { PASSWORD_SCRYPT_LOG_N: '14' });
      services.push(member);
      // content before timeline: timeline's migration grants its read-only role on content's tables.
      const content = await spawnService('content', { MEMBER_ADDR: member.address });
      services.push(content);
      // One at a time: spawnService waits at most 30 s for SERVING, and parallel boots on a small,
      // busy CI machine can exceed it.
      for (const [name, env] of [
        ['timeline', { MEMBER_ADDR: member.address, CONTENT_READ_DATABASE_URL: TIMELINE_READ_URL }],
        ['activity', { MEMBER_ADDR: member.address }],
        ['image', { MEMBER_ADDR: member.address }],
      ] as const) {
        services.push(await spawnService(name, env));
      }
      const address = (name: string): string => services.find((s) => s.name === name)?.address ?? '';
      // search enriches hits through timeline, so it starts once timeline's address is known.
      services.push(await spawnService('search', { MEMBER_ADDR: member.address, TIMELINE_ADDR: address('timeline') }));
      gateway = await startGateway({
        addresses: { member: member.address, content: content.address, timeline: address('timeline'), activity: address('activity'), image: address('image'), search: address('search') },
      });
      call = client(gateway.base);
    },
    async stop() {
      await gateway?.close();
      for (const service of services.reverse()) await service.stop();
    },
  };
}
