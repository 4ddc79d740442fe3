// bench/mixed: the shape floor, a read's hops with no logic in them. Two roles, one process each:
//   backend [redis-url]  a grpc-js server with one unary method taking and returning raw bytes; with
//                        a Redis URL each call first reads one small key (one round trip), as a
//                        feed read must reach a store at least once;
//   front <host:port>    a bare Node `http` server that makes one unary call to the backend per
//                        request (x-request-id as metadata) and answers a JSON envelope.
//   --grpc-bytes N / --json-bytes N: the backend answers N bytes, the front a JSON body of N bytes
//   (a real page's sizes); both are built once, so moving them is in the floor, making them is not.
// Driven like the edge, these measure what an HTTP request costs when it crosses one gRPC hop (and
// one Redis round trip) and does nothing else: no routing, validation, auth, codecs or queries.
// Prints its port on stdout once listening.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { Client, credentials, Metadata, Server, ServerCredentials, status, type sendUnaryData, type ServiceDefinition } from '@grpc/grpc-js';
import { Redis } from 'ioredis';

const PATH = '/bench.ShapeFloor/Call';
const raw = (b: Buffer): Buffer => b;
const definition: ServiceDefinition = {
  call: { path: PATH, requestStream: false, responseStream: false, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw },
};
const KEY = 'bench:shape-floor';
const { positionals, values } = parseArgs({ allowPositionals: true, options: { 'grpc-bytes': { type: 'string', default: '2' }, 'json-bytes': { type: 'string', default: '0' } } });
const [role, target] = positionals;

function ready(port: number): void {
  process.stdout.write(`${port}\n`);
}

/** The http floor's envelope, its content padded with one string to about `size` bytes. */
function envelope(size: number): string {
  const base = { status: 200, result: 'SUCCESS', data: { content: [] as string[], page: 0, size: 20, hasNext: false } };
  const bare = JSON.stringify(base).length;
  if (size > bare + 2) base.data.content.push('x'.repeat(size - bare - 2));
  return JSON.stringify(base);
}

if (role === 'backend') {
  const redis = target ? new Redis(target) : undefined;
  if (redis) await redis.set(KEY, JSON.stringify({ ids: Array.from({ length: 20 }, (_, i) => i) }));
  const answer = Buffer.alloc(Number(values['grpc-bytes']), 1);
  const server = new Server();
  server.addService(definition, {
    call: (_call: unknown, callback: sendUnaryData<Buffer>) => {
      if (!redis) return callback(null, answer);
      redis.get(KEY).then(
        () => callback(null, answer),
        (err: unknown) => callback({ code: status.UNAVAILABLE, details: `redis: ${String(err)}` }),
      );
    },
  });
  server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) => {
    if (err) throw err;
    ready(port);
  });
  process.on('SIGTERM', () => server.tryShutdown(() => (redis?.disconnect(), process.exit(0))));
} else if (role === 'front' && target) {
  const client = new Client(target, credentials.createInsecure(), { 'grpc-node.caller_stack_traces': 0 });
  const request = Buffer.from('call');
  const body = envelope(Number(values['json-bytes']));
  const length = String(Buffer.byteLength(body));
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const metadata = new Metadata();
      metadata.set('x-request-id', randomUUID());
      client.makeUnaryRequest(PATH, raw, raw, request, metadata, (err) => {
        if (err) {
          res.writeHead(503).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': length });
        res.end(body);
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    ready(typeof address === 'object' && address ? address.port : 0);
  });
  process.on('SIGTERM', () => server.close(() => (client.close(), process.exit(0))));
} else {
  process.stderr.write('usage: shape-floor-server.ts backend [redis-url] | front <host:port> [--grpc-bytes N] [--json-bytes N]\n');
  process.exit(2);
}
