// Test support: a TCP proxy in front of PostgreSQL (or anything) that a test can cut and restore,
// so a real service process sees its database vanish without touching the shared server. The
// proxy runs in a child process of its own: test helpers such as migrateService block the test's
// event loop (spawnSync), and a proxy in that loop would stall with it.
import { fork, type ChildProcess } from 'node:child_process';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface TcpProxy {
  readonly port: number;
  /** Stops accepting and drops every open connection: new connects are refused. */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

type Command = 'cut' | 'restore';

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--proxy', String(targetPort)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = (): Promise<number> => new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(Number(m)));
    child.once('exit', () => reject(new Error('the proxy exited')));
  });
  const port = await next();
  const send = async (command: Command): Promise<void> => {
    const answered = next();
    child.send(command);
    await answered;
  };
  return {
    port,
    cut: () => send('cut'),
    restore: () => send('restore'),
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function runProxy(targetPort: number): Promise<void> {
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.once('close', () => sockets.delete(s));
  };
  const newServer = (): Server =>
    createServer((client) => {
      const upstream = connect(targetPort, '127.0.0.1');
      track(client);
      track(upstream);
      client.pipe(upstream).pipe(client);
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
    });
  const listen = (s: Server, port: number): Promise<number> => new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve((s.address() as AddressInfo).port));
  });
  let server: Server | undefined = newServer();
  const port = await listen(server, 0);
  process.send?.(port);
  process.on('message', (command: Command) => {
    void (async () => {
      if (command === 'cut' && server) {
        const closing = server;
        server = undefined;
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => closing.close(() => resolve()));
      } else if (command === 'restore' && !server) {
        server = newServer();
        await listen(server, port);
      }
      process.send?.(port);
    })();
  });
  process.on('disconnect', () => process.exit(0));
}

if (process.argv[2] === '--proxy') await runProxy(Number(process.argv[3]));
