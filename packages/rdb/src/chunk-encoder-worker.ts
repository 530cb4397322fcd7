import { execFileSync } from 'node:child_process';
import { closeSync, fsyncSync, readlinkSync, writeSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { EncoderReply, EncoderRequest } from './chunk-encoder.js';
import { insertCells } from './cell-insertion.js';
import { Crc64 } from './crc64.js';
import { compressSpans } from './lzf.js';

/**
 * The encoding worker (see WorkerEncoder): copies each chunk's cell strings in from the slab
 * pages, compresses its strings in place (chunks are shared memory), runs the stream's
 * checksum over the result, writes it to the stream's file if it has one, and answers with
 * the chunk's new length, in the order received.
 */
const port = parentPort!;
/**
 * The worker runs in the idle scheduling class (SCHED_IDLE, this thread only): it takes the CPU
 * time nothing else wants, and a core it runs on counts as free when the kernel places a woken
 * thread, so the event loop does not queue behind it. Measured under the bench's load (two
 * vCPUs, the event loop at 100% of one): the loop's run-queue wait during BGSAVE was 21-78 ms a
 * second against 100-205 at nice 19, and the load kept 76-80% of its rate against 66-67%.
 *
 * But an idle-class thread gets next to nothing while other processes keep every core busy,
 * and a snapshot that does not finish holds memory for the keys written meanwhile. So when
 * chunks wait for the worker longer than STARVED_MS, it goes back to the normal class at nice
 * 19 for the rest of the snapshot, and tries the idle class again with the next one.
 *
 * Node cannot set a scheduling policy itself: util-linux's chrt does. Without chrt the worker
 * runs at nice 19 (on Linux, this thread only). Off Linux, where a priority applies to the
 * whole process, and where neither is permitted, it runs as it is.
 */
const ENCODER_NICE = 19;
const STARVED_MS = 500;
let idleClass = false;
/** Whether the worker left the idle class during the current stream. */
let starved = false;
/** No chrt, or not Linux: the idle class is not tried again. */
let idleUnavailable = process.platform !== 'linux';

function thread(): string {
  // /proc/thread-self is this thread's task directory: <pid>/task/<tid>.
  return readlinkSync('/proc/thread-self').split('/').pop() ?? '';
}

function setNice(): void {
  try {
    setPriority(ENCODER_NICE);
  } catch {
    // Not permitted here: normal priority.
  }
}

function enterIdleClass(): void {
  if (idleClass || idleUnavailable) return;
  try {
    execFileSync('chrt', ['--idle', '--pid', '0', thread()], { stdio: 'ignore', timeout: 5000 });
    idleClass = true;
  } catch {
    // No chrt, or not permitted: nice is the next best thing.
    idleUnavailable = true;
    setNice();
  }
}

function leaveIdleClass(): void {
  if (!idleClass) return;
  try {
    execFileSync('chrt', ['--other', '--pid', '0', thread()], { stdio: 'ignore', timeout: 5000 });
    idleClass = false;
    starved = true;
  } catch {
    // Still idle: nothing better to do.
  }
  setNice();
}

enterIdleClass();

let stream = 0;
let crc = new Crc64();
/** The stream's slab pages, which chunks' cell references index. */
let pages: Uint8Array[] = [];
/**
 * The file the stream is written to here (WorkerEncoder.writeFile). The worker owns the
 * descriptor from then on and closes it when the stream ends, however it ends, so that no
 * write can reach a number the process has reused.
 */
let file: number | null = null;

function closeFile(): void {
  if (file === null) return;
  const fd = file;
  file = null;
  closeSync(fd);
}

function writeAll(fd: number, data: Uint8Array): void {
  let written = 0;
  while (written < data.length) written += writeSync(fd, data, written, data.length - written);
}

port.on('message', (request: EncoderRequest) => {
  try {
    if (request.stream !== stream) {
      stream = request.stream;
      enterIdleClass();
      starved = false;
      crc = new Crc64();
      pages = [];
      closeFile();
    }
    if (request.kind === 'trailer' || request.kind === 'drop') {
      // The stream is over: its pages (a whole dataset's slabs) must not outlive it here.
      pages = [];
      if (request.kind === 'drop') {
        closeFile();
        return;
      }
      const trailer = request.checksum ? crc.digest() : new Uint8Array(8);
      if (file !== null) {
        writeAll(file, trailer);
        fsyncSync(file);
        closeFile();
      }
      const reply: EncoderReply = { kind: 'trailer', stream, trailer, starved };
      port.postMessage(reply);
      return;
    }
    if (request.kind === 'pages') {
      pages = request.pages.map((page) => new Uint8Array(page));
      return;
    }
    if (request.kind === 'file') {
      file = request.fd;
      return;
    }
    if (idleClass && Date.now() - request.sentAt > STARVED_MS) leaveIdleClass();
    const data = new Uint8Array(request.buffer);
    let length = request.length;
    if (request.cells !== null) length = insertCells(data, length, request.cells, request.cellCount, pages);
    if (request.spans !== null) length = compressSpans(data, length, request.spans, request.spanCount);
    crc.update(data.subarray(0, length));
    if (file !== null) writeAll(file, data.subarray(0, length));
    const reply: EncoderReply = { kind: 'chunk', stream, length };
    port.postMessage(reply);
  } catch (error) {
    try {
      closeFile();
    } catch {
      // The write's error is the one to report.
    }
    const reply: EncoderReply = { kind: 'error', stream, message: error instanceof Error ? error.message : String(error) };
    port.postMessage(reply);
  }
});
