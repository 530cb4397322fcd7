import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import type { EncoderReply, EncoderRequest } from './chunk-encoder.js';
import { Crc64 } from './crc64.js';
import { compressSpans } from './string-compression.js';

/**
 * The encoding worker (see WorkerEncoder): compresses each chunk's strings in place, runs the
 * stream's checksum over the result and sends the chunk back, in the order received.
 */
const port = parentPort!;
let stream = 0;
let crc = new Crc64();

port.on('message', (request: EncoderRequest) => {
  if (request.stream !== stream) {
    stream = request.stream;
    crc = new Crc64();
  }
  try {
    if (request.kind === 'trailer') {
      const reply: EncoderReply = { kind: 'trailer', stream, trailer: request.checksum ? crc.digest() : new Uint8Array(8) };
      port.postMessage(reply);
      return;
    }
    const started = performance.now();
    const data = new Uint8Array(request.buffer, 0, request.length);
    const length = request.spans === null ? request.length : compressSpans(data, request.length, request.spans, request.spanCount);
    crc.update(data.subarray(0, length));
    const reply: EncoderReply = { kind: 'chunk', stream, buffer: request.buffer, length, spans: request.spans, workMs: performance.now() - started };
    port.postMessage(reply, request.spans === null ? [request.buffer] : [request.buffer, request.spans.buffer as ArrayBuffer]);
  } catch (error) {
    const reply: EncoderReply = { kind: 'error', stream, message: error instanceof Error ? error.message : String(error) };
    port.postMessage(reply);
  }
});
