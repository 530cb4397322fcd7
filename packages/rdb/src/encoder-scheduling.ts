import { type ChildProcess, spawn } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * The scheduling class of the encoding worker's thread (chunk-encoder-worker.ts).
 *
 * It runs in the idle class (SCHED_IDLE, this thread only): it takes the CPU time nothing else
 * wants, and a core it runs on counts as free when the kernel places a woken thread, so the
 * event loop does not queue behind it. Measured under the bench's load (two vCPUs, the event
 * loop at 100% of one): the loop's run-queue wait during BGSAVE was 21-78 ms a second against
 * 100-205 at nice 19, and the load kept 68-91% of its rate against 66-67%.
 *
 * But an idle-class thread gets next to nothing while other processes keep every core busy,
 * and a snapshot that does not finish holds memory for the keys written meanwhile. So the
 * worker can go back to the normal class (at nice 19) for the rest of a snapshot.
 *
 * Node cannot set a scheduling policy: util-linux's chrt does. It is run by a shell started
 * with the worker and kept for its life, because spawning from the server itself forks a
 * process of the dataset's size: measured with 2 GB resident, each spawn stopped the event
 * loop for 39-57 ms (page tables copied under the process's memory lock, as Redis's fork).
 * Without sh or chrt the thread stays at nice 19 (on Linux, this thread only). Off Linux,
 * where a priority applies to the whole process, it runs as it is.
 */
const ENCODER_NICE = 19;

let helper: ChildProcess | null = null;
let thread = '';
let idle = false;

/** Lowers this thread's priority (nice 19) and asks for the idle class. Once, at the worker's start. */
export function lowerThreadPriority(): void {
  if (process.platform !== 'linux') return;
  try {
    // Kept when the class changes, so the normal class is nice 19 too.
    setPriority(ENCODER_NICE);
  } catch {
    // Not permitted here: normal priority.
  }
  try {
    // /proc/thread-self is this thread's task directory: <pid>/task/<tid>.
    thread = readlinkSync('/proc/thread-self').split('/').pop() ?? '';
  } catch {
    return;
  }
  const shell = spawn('sh', [], { stdio: ['pipe', 'ignore', 'ignore'] });
  // A failed chrt ends the shell; either way the thread keeps what it has.
  const gone = (): void => {
    if (helper === shell) helper = null;
  };
  shell.on('error', gone);
  shell.on('exit', gone);
  shell.stdin?.on('error', gone);
  shell.unref();
  helper = shell;
  enterIdleClass();
}

function setClass(policy: '--idle' | '--other'): boolean {
  if (helper === null || helper.stdin === null) return false;
  helper.stdin.write(`chrt ${policy} --pid 0 ${thread} || exit 1\n`);
  return true;
}

/** Asks for the idle class (a snapshot starts). */
export function enterIdleClass(): void {
  if (!idle) idle = setClass('--idle');
}

/** Asks for the normal class; false when the thread was not in the idle class. */
export function leaveIdleClass(): boolean {
  if (!idle) return false;
  idle = false;
  return setClass('--other');
}
