// Runs a job every intervalMs without overlapping itself; stop() waits for the run in progress,
// so the shutdown sequence can close pools right after.
export interface Periodic {
  stop(): Promise<void>;
}

export function startPeriodic(job: () => Promise<unknown>, intervalMs: number, onError: (err: unknown) => void): Periodic {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = job()
      .then(() => undefined, onError)
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
