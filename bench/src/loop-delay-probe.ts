/**
 * Loaded into understudy-server by the snapshot benchmark (node --import): the event loop's
 * longest delay in every 100 ms, printed on stderr as `bench-loop-delay at=<epoch ms>
 * max_us=<µs>`. The server measures its loop only while a snapshot runs. With this the same
 * figure exists for the load alone, before and after, so the benchmark can show how much of a
 * stall the machine gives without any snapshot.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

const WINDOW_MS = 100;

if (isMainThread) {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  setInterval(() => {
    process.stderr.write(`bench-loop-delay at=${Date.now()} max_us=${Math.round(delay.max / 1000)}\n`);
    delay.reset();
  }, WINDOW_MS).unref();
}
