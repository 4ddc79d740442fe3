// Load shedding at the edge: a bound on the API requests in flight, globally and per backend.
// Beyond saturation, queueing more work only makes every request slower (latency grows without
// bound with offered load); refusing the excess at once with 503 + Retry-After keeps the
// admitted requests near their latency at saturation and tells clients when to come back.
// A slot is held from the start of the route handler until its backend call has answered.

export interface SheddingLimits {
  /** API requests in flight across every backend; 0 = no global bound. */
  readonly maxInFlight: number;
  /** API requests in flight per backend (member, content, ...); 0 = no per-backend bound. */
  readonly maxInFlightPerBackend: number;
}

/** Releases an admitted request's slot; calling it more than once has no further effect. */
export type ReleaseSlot = () => void;

export interface LoadShedder {
  /** A release function when admitted, undefined when the request must be shed. */
  tryAcquire(backend: string): ReleaseSlot | undefined;
  /** Requests in flight now, by backend (for the in-flight gauge). */
  inFlight(): ReadonlyMap<string, number>;
}

export function createLoadShedder(limits: SheddingLimits): LoadShedder {
  const byBackend = new Map<string, number>();
  let total = 0;
  const globalBound = limits.maxInFlight > 0 ? limits.maxInFlight : Number.POSITIVE_INFINITY;
  const backendBound = limits.maxInFlightPerBackend > 0 ? limits.maxInFlightPerBackend : Number.POSITIVE_INFINITY;
  return {
    tryAcquire(backend) {
      const current = byBackend.get(backend) ?? 0;
      if (total >= globalBound || current >= backendBound) return undefined;
      total += 1;
      byBackend.set(backend, current + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        total -= 1;
        byBackend.set(backend, (byBackend.get(backend) ?? 1) - 1);
      };
    },
    inFlight: () => byBackend,
  };
}
