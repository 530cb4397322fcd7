import { Worker } from 'node:worker_threads';
import { workerScript } from './worker-script.js';

/**
 * The CRC64 of a file's first `length` bytes, computed on a worker thread while the caller
 * parses the same file: loading then costs the event loop no checksum. Rejects with the
 * worker's error (the file vanished, a read failed).
 */
export function fileChecksum(path: string, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerScript('file-checksum-worker'), { workerData: { path, length } });
    let settled = false;
    worker.once('message', (message: { digest: Uint8Array; covered: number }) => {
      settled = true;
      if (message.covered !== length) reject(new Error(`the file shrank while it was read (${message.covered} of ${length} bytes)`));
      else resolve(Buffer.from(message.digest));
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the checksum worker exited with ${code}`));
    });
  });
}
