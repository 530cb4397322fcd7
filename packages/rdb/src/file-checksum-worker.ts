import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { Crc64 } from './crc64.js';

/** Computes the CRC64 of the first `length` bytes of a file (see fileChecksum). */
const { path, length } = workerData as { path: string; length: number };
const CHUNK = 1024 * 1024;
const buffer = Buffer.allocUnsafeSlow(CHUNK);
const crc = new Crc64();
const fd = openSync(path, 'r');
try {
  let position = 0;
  while (position < length) {
    const bytesRead = readSync(fd, buffer, 0, Math.min(CHUNK, length - position), position);
    if (bytesRead === 0) break;
    crc.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  parentPort!.postMessage({ digest: crc.digest(), covered: position });
} finally {
  closeSync(fd);
}
