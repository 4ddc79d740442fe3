// Exponential backoff: base * 2^(attempt-1), capped, with "equal jitter" (half fixed, half
// random) so that many failing letters or replicas do not retry in lockstep.
export function backoffMs(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + (exponential / 2) * random());
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Sleeps up to ms, waking early (false) as soon as keepGoing() turns false. */
export async function sleepWhile(ms: number, keepGoing: () => boolean, stepMs = 250): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!keepGoing()) return false;
    await sleep(Math.min(stepMs, until - Date.now()));
  }
  return keepGoing();
}
