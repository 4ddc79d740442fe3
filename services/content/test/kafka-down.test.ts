// Component test: with Kafka out of reach content-svc stays live and ready and takes writes; their
// events wait in the outbox (PENDING) for the relay. Readiness that asked Kafka would take every
// content pod out of rotation during a broker outage and defeat the outbox.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HealthCheckResponse_ServingStatus as Serving } from '@dailyfeed/gen/grpc/health/v1/health';
import { healthStatus, waitForHealth } from '../../../test/support/grpc.ts';
import { SERVICE_NAME } from '../src/server.ts';
import { contentApi, createMember, startStack, type ContentApi, type Stack } from './support/helpers.ts';

describe('content-svc with Kafka down', () => {
  let stack: Stack;
  let api: ContentApi;

  before(async () => {
    stack = await startStack({ KAFKA_BROKERS: '127.0.0.1:1', OUTBOX_RELAY_INTERVAL_MS: '0' });
    api = contentApi(stack.client);
  });
  after(() => stack.stop());

  it('when Kafka does not answer, then content-svc is live and ready, and a post is written with its event PENDING in the outbox', async () => {
    assert.equal(await healthStatus(stack.content.grpcPort), Serving.SERVING);
    assert.equal(await waitForHealth(stack.content.grpcPort, Serving.SERVING, 5000, SERVICE_NAME), Serving.SERVING);
    const alice = await createMember(stack.member.address, 'kafkadown');
    const { post } = await api.createPost({ content: 'written while Kafka is down' }, alice.md());
    assert.ok(post?.id);
    // Its POST_CREATE row, by the exact message key (other suites' rows share the test database).
    const rows = await stack.sql<{ state: string }>(`select state from content.outbox where message_key = ?`, [`member_activity:kafka_event:POST_CREATE###${post.id}###${alice.id}`]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.state, 'PENDING');
  });
});
