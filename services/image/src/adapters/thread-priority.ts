// Lowering the CPU priority of decoding threads, so image-svc's event loop wins the cores when
// it has work (health checks, small calls) while bombs decode. On Linux a nice value belongs to
// one thread and a new thread inherits its creator's. The BMP worker lowers itself, but libvips
// starts its worker threads from the libuv pool's threads (nice 0, shared with the event loop's
// file I/O, so those stay as they are): they are found by name in /proc/self/task and lowered
// one by one. Elsewhere (no /proc, or not permitted) nothing changes and decoding merely
// competes as an equal.
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** The lowest priority (nice 19): decoding gets what the event loop and the rest leave. */
export const DECODER_NICE = 19;

/** How libvips names its threads (Linux truncates a name to 15 characters). */
const LIBVIPS_THREAD = 'libvips worker';

/** Lowers the calling thread (pid 0 = this thread on Linux); threads it creates inherit it. */
export function lowerOwnPriority(): void {
  try {
    setPriority(DECODER_NICE);
  } catch {
    // not permitted: decoding still runs off the event loop
  }
}

/** Lowers every libvips thread that is not already lowered; returns how many it lowered. */
export function lowerLibvipsThreads(): number {
  let lowered = 0;
  for (const tid of threadIds()) {
    try {
      if (getPriority(tid) >= DECODER_NICE) continue;
      if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== LIBVIPS_THREAD) continue;
      setPriority(tid, DECODER_NICE);
      lowered += 1;
    } catch {
      // the thread ended meanwhile, or renicing is not permitted
    }
  }
  return lowered;
}

function threadIds(): number[] {
  try {
    return readdirSync('/proc/self/task').map(Number);
  } catch {
    return [];
  }
}
