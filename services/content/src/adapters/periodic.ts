// A background task run every interval, never overlapping itself; stop() waits for a run in
// progress so shutdown does not close pools under it. Failures are logged, never thrown.
export interface Periodic {
  stop(): Promise<void>;
}

export interface PeriodicLog {
  warn(obj: object, msg: string): void;
}

export function every(name: string, intervalMs: number, task: () => Promise<unknown>, log: PeriodicLog): Periodic {
  if (intervalMs <= 0) return { stop: async () => undefined };
  let current: Promise<void> | undefined;
  const timer = setInterval(() => {
    current ??= task()
      .then(() => undefined, (err: unknown) => log.warn({ err, task: name }, 'background task failed'))
      .finally(() => {
        current = undefined;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await current;
    },
  };
}
