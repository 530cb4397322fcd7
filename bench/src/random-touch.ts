/**
 * A child of the machine benchmark (machine.ts): fills a buffer of the given size, says so,
 * waits for the word to start, then increments bytes at random places for the given time and
 * reports the longest gap between two looks at the clock. It allocates nothing while it
 * runs and has no event loop work, so a gap is time the process did not run its loop: the
 * scheduler, or the machine under it.
 *
 * Argument: megabytes. Messages (IPC): sends { ready: true }, receives { run: ms }, sends a
 * TouchResult and exits.
 */
import { performance } from 'node:perf_hooks';

export interface TouchResult {
  worstGapMs: number;
  /** Gaps over 10 ms: the snapshot benchmark's stall target. */
  gapsOver10Ms: number;
  touchesPerSecond: number;
}

/** Touches between two clock reads: ~2-10 µs of work. */
const TOUCHES_PER_LOOK = 256;

function touch(buffer: Buffer, ms: number): TouchResult {
  const length = buffer.length;
  let state = 0x9e3779b9;
  let touches = 0;
  let worstGapMs = 0;
  let gapsOver10Ms = 0;
  const started = performance.now();
  let last = started;
  for (;;) {
    for (let i = 0; i < TOUCHES_PER_LOOK; i++) {
      // xorshift32: a new page almost every time, as a server's random keys are.
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      const at = (state >>> 0) % length;
      buffer[at] = (buffer[at] + 1) & 0xff;
    }
    touches += TOUCHES_PER_LOOK;
    const now = performance.now();
    const gap = now - last;
    if (gap > worstGapMs) worstGapMs = gap;
    if (gap > 10) gapsOver10Ms++;
    last = now;
    if (now - started >= ms) return { worstGapMs, gapsOver10Ms, touchesPerSecond: (touches * 1000) / (now - started) };
  }
}

const megabytes = Number(process.argv[2]);
const buffer = Buffer.alloc(megabytes * 1024 * 1024, 1);
process.once('message', (message: { run: number }) => {
  process.send!(touch(buffer, message.run), () => process.exit(0));
});
process.send!({ ready: true });
