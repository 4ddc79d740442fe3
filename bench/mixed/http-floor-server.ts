// bench/mixed: the bare Node `http` JSON server, the HTTP floor. It answers every request with a
// small JSON envelope of the edge's shape, built per request, and nothing else: what a request costs
// through Node's HTTP stack alone. Prints its port on stdout once listening.
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const body = JSON.stringify({ status: 200, result: 'SUCCESS', data: { content: [], page: 0, size: 20, hasNext: false } });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
