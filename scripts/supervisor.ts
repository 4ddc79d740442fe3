// Process supervision for `npm start`: every component runs as a child process; one that exits
// on its own is started again after a backoff (1 s, doubling up to 30 s, back to 1 s once it has
// run for a minute), with a log line each time, while the others keep serving. Only stopAll()
// (Ctrl-C) ends the supervision: it stops restarting, sends SIGTERM, waits, then SIGKILLs.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface ComponentSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here. */
  readonly logFile: string;
}

export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  /** A run at least this long resets the backoff: the component was healthy, this is a new failure. */
  readonly resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 30_000, resetAfterMs: 60_000 };

export interface Supervisor {
  start(spec: ComponentSpec): void;
  /** Stops restarting, SIGTERMs every running component, SIGKILLs those still running after graceMs. */
  stopAll(graceMs: number): Promise<void>;
}

interface Supervised {
  readonly spec: ComponentSpec;
  child: ChildProcess | undefined;
  restarts: number;
  delayMs: number;
  timer: NodeJS.Timeout | undefined;
}

export function createSupervisor(log: (line: string) => void, backoff: BackoffPolicy = DEFAULT_BACKOFF): Supervisor {
  const components = new Map<string, Supervised>();
  let stopping = false;

  const launch = (entry: Supervised): void => {
    entry.timer = undefined;
    const { spec } = entry;
    const out = createWriteStream(spec.logFile, { flags: 'a' });
    const child = spawn(spec.command, [...spec.args], { cwd: spec.cwd, env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    const startedAt = Date.now();
    entry.child = child;
    log(`${spec.name} started (pid ${child.pid ?? '?'})`);
    // 'error' (spawn failure) is followed by 'close', so the restart path below covers it.
    child.on('error', (err) => log(`${spec.name} could not be started: ${err.message}`));
    child.on('close', (code, signal) => {
      entry.child = undefined;
      if (stopping) return;
      const ranMs = Date.now() - startedAt;
      if (ranMs >= backoff.resetAfterMs) entry.delayMs = backoff.initialMs;
      entry.restarts += 1;
      log(
        `${spec.name} exited (${signal ?? `code ${code}`}) after ${(ranMs / 1000).toFixed(1)} s; ` +
          `restarting in ${(entry.delayMs / 1000).toFixed(1)} s (restart #${entry.restarts}); see ${spec.logFile}`,
      );
      entry.timer = setTimeout(() => launch(entry), entry.delayMs);
      entry.delayMs = Math.min(entry.delayMs * 2, backoff.maxMs);
    });
  };

  return {
    start(spec) {
      if (components.has(spec.name)) throw new Error(`${spec.name} is already supervised`);
      const entry: Supervised = { spec, child: undefined, restarts: 0, delayMs: backoff.initialMs, timer: undefined };
      components.set(spec.name, entry);
      launch(entry);
    },
    async stopAll(graceMs) {
      stopping = true;
      const running: ChildProcess[] = [];
      for (const entry of components.values()) {
        if (entry.timer !== undefined) clearTimeout(entry.timer);
        if (entry.child !== undefined && entry.child.exitCode === null && entry.child.signalCode === null) running.push(entry.child);
      }
      const exits = running.map((child) => new Promise<void>((resolve) => child.once('close', () => resolve())));
      for (const child of running) child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(exits), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
      for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await Promise.all(exits);
    },
  };
}
