// The grpc-js patch (patches/@grpc+grpc-js+1.14.7.patch) behind the channel option every client
// of the services and the edge sets: 'grpc-node.caller_stack_traces' 0 skips the Error grpc-js
// creates on every call to remember its caller's stack (a V8 stack capture: ~5 % of the edge's
// CPU under the feed bench). Without the option a failed call still names its caller.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';

/** A unary call to an address nothing listens on: the error it fails with. */
function failedCall(options: Record<string, number>): Promise<ServiceError> {
  const client = new Client('127.0.0.1:1', credentials.createInsecure(), options);
  return new Promise((resolve) => {
    client.makeUnaryRequest('/x.Y/Z', (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), new Metadata(), { deadline: Date.now() + 2000 }, (err) => {
      client.close();
      resolve(err as ServiceError);
    });
  });
}

describe('grpc-js caller stacks', () => {
  it('when a client sets grpc-node.caller_stack_traces to 0, then no caller stack is captured and its errors say so', async () => {
    const err = await failedCall({ 'grpc-node.caller_stack_traces': 0 });
    assert.notEqual(err.code, undefined, 'the call failed');
    assert.match(err.stack ?? '', /for call at\ncaller stack not captured \(grpc-node\.caller_stack_traces is 0\)/);
  });

  it('when a client does not set it, then a failed call still names its caller', async () => {
    const err = await failedCall({});
    assert.match(err.stack ?? '', /for call at\n {4}at Client.makeUnaryRequest .*\n {4}at .*caller-stacks.test.ts/);
  });
});
