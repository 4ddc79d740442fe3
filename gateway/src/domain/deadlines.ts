// Per-call deadlines of the edge, one per backend, equal to the mesh VirtualService timeouts
// (SPEC.md, "The mesh"): the edge never waits longer than the mesh would let a call live.
const DEADLINE_MS_BY_BACKEND: Readonly<Record<string, number>> = {
  member: 10_000,
  content: 10_000,
  timeline: 10_000,
  activity: 10_000,
  image: 30_000,
  search: 15_000,
};

export function deadlineMsOf(backend: string): number {
  return DEADLINE_MS_BY_BACKEND[backend] ?? 10_000;
}
