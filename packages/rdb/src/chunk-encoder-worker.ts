import { closeSync, fsyncSync, writeSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { EncoderReply, EncoderRequest } from './chunk-encoder.js';
import { insertCells } from './cell-insertion.js';
import { Crc64 } from './crc64.js';
import { enterIdleClass, leaveIdleClass, lowerThreadPriority } from './encoder-scheduling.js';
import { compressSpans } from './lzf.js';

/**
 * The encoding worker (see WorkerEncoder): copies each chunk's cell strings in from the slab
 * pages, compresses its strings in place (chunks are shared memory), runs the stream's
 * checksum over the result, writes it to the stream's file if it has one, and answers with
 * the chunk's new length, in the order received.
 */
const port = parentPort!;
/**
 * Chunks waiting longer than this for the worker mean that it is starved of CPU in the idle
 * class (encoder-scheduling.ts): it takes the normal class for the rest of the snapshot.
 */
const STARVED_MS = 500;
/** Whether the worker left the idle class during the current stream. */
let starved = false;
lowerThreadPriority();

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
    if (Date.now() - request.sentAt > STARVED_MS && leaveIdleClass()) starved = true;
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
