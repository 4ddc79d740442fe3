// Listening and the graceful-shutdown sequence of a gRPC server (STYLE rule 6): health
// NOT_SERVING -> tryShutdown with a deadline -> forceShutdown -> close resources in order.
import { ServerCredentials, type Server } from '@grpc/grpc-js';

export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (err, boundPort) => {
      if (err) reject(err);
      else resolve(boundPort);
    });
  });
}

/** Lets in-flight calls finish until the deadline, then cancels them. Resolves when closed. */
export function drain(server: Server, deadlineMs: number): Promise<'drained' | 'forced'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve('forced');
    }, deadlineMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve('drained');
    });
  });
}

export interface Closeable {
  readonly name: string;
  close(): Promise<unknown>;
}

/** Closes resources one by one; a failure is reported and does not stop the others. */
export async function closeAll(resources: readonly Closeable[], onError: (name: string, err: unknown) => void): Promise<void> {
  for (const resource of resources) {
    try {
      await resource.close();
    } catch (err: unknown) {
      onError(resource.name, err);
    }
  }
}

/** Resolves when close() does or after deadlineMs, whichever comes first (then reports 'timeout'). */
export async function withDeadline(close: () => Promise<unknown>, deadlineMs: number): Promise<'done' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), deadlineMs);
  });
  try {
    return await Promise.race([close().then(() => 'done' as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
