/**
 * Loaded into understudy-server by the snapshot benchmark (node --import): the event loop's
 * longest delay in every 100 ms, printed on stderr as
 * `bench-loop-delay at=<epoch ms> max_us=<µs> on_cpu_us=<µs> tick_us=<µs>`. The server measures its loop
 * only while a snapshot runs. With this the same figure exists for the load alone, before and
 * after, so the benchmark can show how much of a stall the machine gives without any snapshot.
 *
 * `tick_us` is how late a 1 ms timer tick came, at most, in the window. The histogram alone
 * misses stalls: resetting it for the next window also forgets when its timer last fired, so a
 * stall that ends just before a reset is in no window's max_us (seen here: a BGSAVE whose own
 * histogram, never reset, read 91.8 ms, while no window's max_us was over 11.4 ms and the tick
 * saw 84 ms on the CPU). The benchmark takes the larger of the two as the window's delay.
 *
 * `on_cpu_us` is the tick's delay less the time the loop's thread waited on a run queue for a CPU,
 * from the kernel's per-thread count (/proc/thread-self/schedstat), measured between two ticks
 * of a 1 ms timer. A delay can be long because the loop had that much work, or because the
 * thread waited while other processes (the load generator, the benchmark) had both of a 2-vCPU
 * machine's cores; only the first is the server's own stall. A hypervisor that takes the vCPU
 * away is not seen by the guest's count and stays in it. Reading the file costs ~3 µs a tick.
 * The tick and the histogram are different timers, and after a stall at a window's edge either
 * may run before the print: the two figures can then charge one stall to neighbouring windows
 * (seen here: 35.2 ms on the CPU in the window before BGSAVE whose delay read 29.3 ms), so
 * compare them over before/during/after together, not window by window.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

const WINDOW_MS = 100;
const SCHEDSTAT = '/proc/thread-self/schedstat';

/** Nanoseconds the calling thread has waited on a run queue: the second field of its schedstat. */
function runQueueWaitReader(): (() => number) | null {
  let fd: number;
  try {
    fd = openSync(SCHEDSTAT, 'r');
  } catch {
    return null;
  }
  const buffer = Buffer.alloc(96);
  process.once('exit', () => closeSync(fd));
  return () => {
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    let i = buffer.indexOf(0x20) + 1;
    let ns = 0;
    for (; i > 0 && i < length; i++) {
      const digit = buffer[i] - 0x30;
      if (digit < 0 || digit > 9) break;
      ns = ns * 10 + digit;
    }
    return ns;
  };
}

if (isMainThread) {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  // Opened here, on the main thread: /proc/thread-self names the thread that opens it.
  const runQueueWait = runQueueWaitReader();
  let longestOnCpuMs = 0;
  let longestTickMs = 0;
  if (runQueueWait !== null) {
    let lastAt = performance.now();
    let lastWait = runQueueWait();
    setInterval(() => {
      const at = performance.now();
      const wait = runQueueWait();
      // The tick is due every 1 ms: what it came late by, and that less the time spent waiting for a CPU.
      longestTickMs = Math.max(longestTickMs, at - lastAt - 1);
      longestOnCpuMs = Math.max(longestOnCpuMs, at - lastAt - 1 - (wait - lastWait) / 1e6);
      lastAt = at;
      lastWait = wait;
    }, 1).unref();
  }
  setInterval(() => {
    const onCpu = runQueueWait === null ? '' : ` on_cpu_us=${Math.max(0, Math.round(longestOnCpuMs * 1000))} tick_us=${Math.max(0, Math.round(longestTickMs * 1000))}`;
    process.stderr.write(`bench-loop-delay at=${Date.now()} max_us=${Math.round(delay.max / 1000)}${onCpu}\n`);
    delay.reset();
    longestOnCpuMs = 0;
    longestTickMs = 0;
  }, WINDOW_MS).unref();
}
