import { Worker } from 'node:worker_threads';
import { workerScript } from './worker-script.js';
import { Crc64 } from './crc64.js';
import { type ChunkPool, compressChunk, type RawChunk } from './writer.js';

/**
 * The last stage of writing a snapshot: compresses each raw chunk's strings (LZF) and runs the
 * checksum (CRC64) over the result, handing finished chunks on in order. Those two are most of
 * the CPU a snapshot costs, byte for byte.
 */
export interface ChunkEncoder {
  /** Takes chunks from RdbWriter.takeRaw; finished ones go to the output callback, in order. */
  push(chunks: readonly RawChunk[]): void;
  /** Bytes taken and not handed on yet. */
  readonly pendingBytes: number;
  /**
   * Whether chunks may refer to slab cells (RdbWriter.cell): the encoder then copies their
   * bytes from the pages given to sharePages, on its own thread.
   */
  readonly readsCells: boolean;
  /** The slab pages cell references index, in order; before the first chunk that refers to them. */
  sharePages(pages: readonly Buffer[]): void;
  /** Whether the encoder can write the stream to a file itself (writeFile). */
  readonly writesFiles: boolean;
  /**
   * Also writes every finished chunk and the trailer to `fd`, fsyncs it after the trailer, and
   * closes it when the stream ends, whether it finishes or is closed. Before the first chunk.
   */
  writeFile(fd: number): void;
  /** Resolves once the encoder has room for more. */
  ready(): Promise<void>;
  /** Resolves, once every chunk is out, with the 8-byte trailer (the CRC, or zeros). */
  finish(checksum: boolean): Promise<Buffer>;
  /** Gives up: what is pending is dropped and waits on the encoder end with an error. */
  close(): void;
  /** Whether the encoder ran short of CPU and raised its priority for this stream (after finish). */
  readonly starved: boolean;
}

type EncodedChunkHandler = (chunk: Buffer) => void;

/** Encodes on the calling thread, synchronously. */
export class InlineEncoder implements ChunkEncoder {
  private readonly crc = new Crc64();
  readonly pendingBytes = 0;
  readonly readsCells = false;

  constructor(
    private readonly output: EncodedChunkHandler,
    private readonly pool: ChunkPool,
  ) {}

  push(chunks: readonly RawChunk[]): void {
    for (const raw of chunks) {
      const data = compressChunk(raw, this.pool);
      this.crc.update(data);
      this.output(data);
    }
  }

  async ready(): Promise<void> {}

  sharePages(_pages: readonly Buffer[]): void {
    throw new Error('the inline encoder does not read slab cells');
  }

  readonly writesFiles = false;

  writeFile(_fd: number): void {
    throw new Error('the inline encoder does not write files');
  }

  async finish(checksum: boolean): Promise<Buffer> {
    return checksum ? this.crc.digest() : Buffer.alloc(8);
  }

  /** Nothing is ever pending. */
  close(): void {}

  readonly starved = false;
}

/**
 * Messages to the encoding worker. `stream` numbers the snapshot: the worker's checksum
 * restarts with each new one, and replies for a stream that was given up are ignored.
 */
export type EncoderRequest =
  | { kind: 'pages'; stream: number; pages: SharedArrayBuffer[] }
  /** The stream goes to this file too, which the worker then owns (see ChunkEncoder.writeFile). */
  | { kind: 'file'; stream: number; fd: number }
  /**
   * A raw chunk to finish in place: its buffer is shared (ChunkPool), so it crosses without
   * a transfer; spans and cells are shared or copied, the worker only reads them. `sentAt`
   * (Date.now()) tells the worker how long chunks wait for it.
   */
  | { kind: 'chunk'; stream: number; buffer: SharedArrayBuffer; length: number; spans: Int32Array | null; spanCount: number; cells: Int32Array | null; cellCount: number; sentAt: number }
  | { kind: 'trailer'; stream: number; checksum: boolean }
  /** The stream was given up: the worker lets go of its pages. */
  | { kind: 'drop'; stream: number };

/** Messages back from it. */
export type EncoderReply =
  /** The oldest chunk not back yet is finished: its bytes are now the first `length` of its buffer. */
  | { kind: 'chunk'; stream: number; length: number }
  /** `starved`: the worker left the idle scheduling class during the stream (see the worker). */
  | { kind: 'trailer'; stream: number; trailer: Uint8Array; starved: boolean }
  | { kind: 'error'; stream: number; message: string };

/** Chunks (64 KiB) handed to the worker and not back yet, at most. */
const MAX_IN_FLIGHT = 32;
let shared: Worker | null = null;
let streams = 0;

/**
 * Starts the snapshot encoding worker ahead of the first snapshot, which then does not pay
 * for a thread booting beside the event loop (measured: the first BGSAVE's PING stall 11 ms,
 * later ones 4 ms). Servers call it at startup before loading their dataset: the worker spawns
 * a helper shell (encoder-scheduling.ts), and a spawn copies the page tables of the process.
 */
export function startEncoderWorker(): void {
  encoderWorker();
}

/** One worker for the process, started on first use: one snapshot encodes at a time. */
function encoderWorker(): Worker {
  if (shared === null) {
    // The worker closes files the main thread opened (writeFile). Node tracks the descriptors a
    // worker opens and warns, on every BGSAVE, when it closes one it did not; it opens none.
    const worker = new Worker(workerScript('chunk-encoder-worker'), { trackUnmanagedFds: false });
    worker.unref();
    worker.on('exit', () => {
      if (shared === worker) shared = null;
    });
    // Replies nobody waits for (a snapshot that was aborted) are simply dropped.
    worker.on('error', () => undefined);
    shared = worker;
  }
  return shared;
}

/**
 * Encodes on a worker thread, so that a background snapshot's compression and checksum, and
 * the copying of long strings out of the slab (cell references), use another core instead of
 * the event loop. Chunks live in shared memory (a shared ChunkPool): the worker finishes each
 * in place and answers with its new length, so nothing is copied or transferred. At most
 * MAX_IN_FLIGHT are away at a time.
 */
export class WorkerEncoder implements ChunkEncoder {
  private readonly worker = encoderWorker();
  private readonly stream = ++streams;
  private inFlightBytes = 0;
  /** Chunks away, oldest first, as sent: replies come back in order. */
  private readonly inFlight: RawChunk[] = [];
  private waiting: (() => void) | null = null;
  private trailer: { resolve: (trailer: Buffer) => void; reject: (error: Error) => void } | null = null;
  private failure: Error | null = null;
  private readonly onMessage = (reply: EncoderReply): void => {
    if (reply.stream === this.stream) this.received(reply);
  };
  private readonly onError = (error: Error): void => this.fail(error);
  private readonly onExit = (): void => this.fail(new Error('the snapshot encoding worker exited'));

  /** `pool` must be a shared one: the worker finishes chunks in their own memory. */
  constructor(
    private readonly output: EncodedChunkHandler,
    private readonly pool: ChunkPool,
  ) {
    if (!pool.shared) throw new Error('the encoding worker needs a shared chunk pool');
    this.worker.on('message', this.onMessage);
    this.worker.on('error', this.onError);
    this.worker.on('exit', this.onExit);
  }

  readonly readsCells = true;
  starved = false;

  get pendingBytes(): number {
    return this.inFlightBytes;
  }

  sharePages(pages: readonly Buffer[]): void {
    const request: EncoderRequest = { kind: 'pages', stream: this.stream, pages: pages.map((page) => page.buffer as SharedArrayBuffer) };
    this.worker.postMessage(request);
  }

  readonly writesFiles = true;

  writeFile(fd: number): void {
    const request: EncoderRequest = { kind: 'file', stream: this.stream, fd };
    this.worker.postMessage(request);
  }

  push(chunks: readonly RawChunk[]): void {
    if (this.failure !== null) throw this.failure;
    for (const raw of chunks) {
      const chunk = asShared(raw);
      const request: EncoderRequest = {
        kind: 'chunk',
        stream: this.stream,
        buffer: chunk.data.buffer as SharedArrayBuffer,
        length: chunk.data.length,
        spans: chunk.spanCount > 0 ? chunk.spans : null,
        spanCount: chunk.spanCount,
        cells: chunk.cellCount > 0 ? chunk.cells : null,
        cellCount: chunk.cellCount,
        sentAt: Date.now(),
      };
      this.worker.postMessage(request);
      this.inFlight.push(chunk);
      this.inFlightBytes += chunk.data.length;
    }
  }

  async ready(): Promise<void> {
    while (this.inFlight.length >= MAX_IN_FLIGHT) await this.nextReply();
    if (this.failure !== null) throw this.failure;
  }

  async finish(checksum: boolean): Promise<Buffer> {
    try {
      while (this.inFlight.length > 0) await this.nextReply();
      if (this.failure !== null) throw this.failure;
      const trailer = new Promise<Buffer>((resolve, reject) => (this.trailer = { resolve, reject }));
      const request: EncoderRequest = { kind: 'trailer', stream: this.stream, checksum };
      this.worker.postMessage(request);
      return await trailer;
    } finally {
      this.detach();
    }
  }

  /** The snapshot was given up: whoever still waits for the encoder is released with an error. */
  close(): void {
    this.detach();
    const request: EncoderRequest = { kind: 'drop', stream: this.stream };
    this.worker.postMessage(request);
    this.fail(new Error('the snapshot encoder was closed'));
  }

  /** Stops listening; the worker stays for the next snapshot. */
  private detach(): void {
    this.worker.off('message', this.onMessage);
    this.worker.off('error', this.onError);
    this.worker.off('exit', this.onExit);
  }

  private received(reply: EncoderReply): void {
    if (reply.kind === 'error') {
      this.fail(new Error(reply.message));
      return;
    }
    if (reply.kind === 'trailer') {
      this.starved = reply.starved;
      this.trailer?.resolve(Buffer.from(reply.trailer));
      return;
    }
    const sent = this.inFlight.shift();
    if (sent === undefined) return;
    const { data, spans, spanCount, cells, cellCount } = sent;
    this.inFlightBytes -= data.length;
    if (spanCount > 0) this.pool.releaseSpans(spans);
    if (cellCount > 0) this.pool.releaseCells(cells);
    this.output(Buffer.from(data.buffer, 0, reply.length));
    this.wake();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.trailer?.reject(this.failure);
    this.wake();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.();
  }

  private nextReply(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve) => (this.waiting = resolve));
  }
}

/**
 * The chunk as the worker takes it: its bytes at the start of a shared buffer, which is all
 * the writer of a shared pool makes. Anything else would be copied on the way and finished
 * in the copy, so it is refused.
 */
function asShared(raw: RawChunk): RawChunk {
  if (!(raw.data.buffer instanceof SharedArrayBuffer) || raw.data.byteOffset !== 0) throw new Error('a chunk for the encoding worker must start a shared buffer of the pool');
  return raw;
}
