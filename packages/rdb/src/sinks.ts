import { once } from 'node:events';
import { closeSync, createWriteStream, fsyncSync, openSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { removeQuietly } from './files.js';

/**
 * Where a snapshot's bytes go. `write` returns false when the sink wants the snapshot to wait
 * for `drained()` before writing more: backpressure pauses the walk, never the clients.
 */
export interface SnapshotSink {
  /**
   * Takes a chunk; `release` is called once the sink no longer reads it (written out, or
   * dropped on failure), after which the snapshot reuses its memory. Throws the sink's failure
   * if it has failed.
   */
  write(chunk: Buffer, release: () => void): boolean;
  /** Resolves when the sink wants more; rejects if it fails meanwhile. */
  drained(): Promise<void>;
  /** Bytes handed to the sink and not yet consumed by it. */
  readonly bufferedBytes: number;
  /** Called after the last chunk; resolves once the data is durable where it goes. */
  finish(): Promise<void>;
  /** The snapshot failed or gave up on this sink: release everything, leave no partial result. */
  abort(): void;
}

/**
 * A sink that takes every chunk at once, as a file or a fast socket would, shows it to `see`
 * and lets it go: the snapshot warm-up's, which throws its output away, and the tests'.
 */
export function releasingSink(see: (chunk: Buffer) => void = () => undefined): SnapshotSink {
  return {
    write(chunk, release) {
      see(chunk);
      release();
      return true;
    },
    drained: () => Promise.resolve(),
    bufferedBytes: 0,
    finish: () => Promise.resolve(),
    abort: () => undefined,
  };
}

const FILE_BUFFER_BYTES = 4 * 1024 * 1024;

/** A temporary name beside `path`, unique to this process and moment, as Redis's temp-<pid>.rdb. */
export function temporaryPath(path: string, kind: string): string {
  return join(dirname(path), `temp-${kind}-${process.pid}-${Date.now()}.rdb`);
}

/**
 * A sink over a Writable: chunks are released once written, a failure (an error, or the
 * stream closing early) is kept and thrown on the next use, and a full stream is waited for.
 */
abstract class WritableSink implements SnapshotSink {
  protected failure: Error | null = null;
  /** end() was called: the stream closing is no longer a failure. */
  protected ending = false;

  protected constructor(
    protected readonly stream: Writable,
    protected readonly closedEarly: string,
  ) {
    stream.on('error', (error) => {
      this.failure ??= error;
    });
  }

  get bufferedBytes(): number {
    return this.stream.writableLength;
  }

  write(chunk: Buffer, release: () => void): boolean {
    if (this.failure !== null) throw this.failure;
    return this.stream.write(chunk, () => release());
  }

  async drained(): Promise<void> {
    if (this.failure !== null) throw this.failure;
    if (!this.stream.writableNeedDrain) return;
    await Promise.race([once(this.stream, 'drain'), once(this.stream, 'close').then(() => Promise.reject(this.failure ?? new Error(this.closedEarly)))]);
  }

  /** Ends the stream once everything written is out. */
  protected async end(): Promise<void> {
    if (this.failure !== null) throw this.failure;
    this.ending = true;
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
    if (this.failure !== null) throw this.failure;
  }

  abstract finish(): Promise<void>;
  abstract abort(): void;
}

/**
 * Writes to a temporary file beside `path`; on finish the file is fsynced, renamed over
 * `path`, and the directory fsynced, so `path` always holds a complete snapshot.
 */
export class FileSink extends WritableSink {
  readonly temporary: string;

  constructor(private readonly path: string) {
    const temporary = temporaryPath(path, 'bg');
    // Each write completes through the event loop, so under client load one write per loop
    // turn would throttle the snapshot: let chunks pile up a little and go out together (writev).
    super(createWriteStream(temporary, { flags: 'w', mode: 0o644, highWaterMark: FILE_BUFFER_BYTES }), 'the snapshot file was closed');
    this.temporary = temporary;
  }

  /**
   * Ends the file, fsyncs it, renames it over `path` and fsyncs the directory. The waits run
   * on libuv's threads: an fsync of a large file takes long enough to stall clients.
   */
  async finish(): Promise<void> {
    await this.end();
    // The stream is closed; fsync through a new descriptor (fsync covers the file, not the fd).
    const file = await open(this.temporary, 'r+');
    try {
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(this.temporary, this.path);
    await syncDirectoryAsync(dirname(this.path));
  }

  abort(): void {
    this.failure ??= new Error('the snapshot was aborted');
    // The file may still be opening; remove it once the stream has really closed, too.
    this.stream.once('close', () => removeQuietly(this.temporary));
    this.stream.destroy();
    removeQuietly(this.temporary);
  }
}

/**
 * A snapshot file written by the snapshot's encoding worker, which holds the finished bytes
 * anyway, instead of by libuv's threads for the event loop. Those threads run at the process's
 * priority: under client load their writes (about 250 ms of CPU a second for a 1 GB dataset,
 * measured) took the event loop's core from it, while the worker runs at nice 19 (see
 * chunk-encoder-worker). The temporary file is opened at once, and its descriptor handed to
 * the worker when the snapshot starts (Snapshot.run); from then on the worker writes, fsyncs
 * and closes it. It must be the snapshot's only sink, so that a full disk ends nothing else.
 */
export class WorkerFileSink implements SnapshotSink {
  readonly temporary: string;
  readonly bufferedBytes = 0;
  private fd: number | null;

  constructor(private readonly path: string) {
    this.temporary = temporaryPath(path, 'bg');
    this.fd = openSync(this.temporary, 'w', 0o644);
  }

  /** The descriptor, for the worker, which owns it from now on. */
  handOver(): number {
    const fd = this.fd;
    if (fd === null) throw new Error('the snapshot file was handed over already');
    this.fd = null;
    return fd;
  }

  /** The worker writes the bytes; the chunk is free at once. */
  write(_chunk: Buffer, release: () => void): boolean {
    release();
    return true;
  }

  async drained(): Promise<void> {}

  /** The worker has written, fsynced and closed the file with the trailer: it goes into place. */
  async finish(): Promise<void> {
    if (this.fd !== null) throw new Error('the snapshot file was never handed to a worker');
    await rename(this.temporary, this.path);
    await syncDirectoryAsync(dirname(this.path));
  }

  abort(): void {
    // Once handed over, the worker closes the descriptor when its stream is dropped.
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    removeQuietly(this.temporary);
  }
}

async function syncDirectoryAsync(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync on a directory makes a rename in it durable. */
export function syncDirectory(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Streams to any Writable (a replica's socket, a pipe). Finishing ends the stream unless told
 * to leave it open (a replica's connection carries the command stream after the snapshot).
 */
export class StreamSink extends WritableSink {
  constructor(
    stream: Writable,
    private readonly endOnFinish = true,
  ) {
    super(stream, 'the sink closed before the snapshot finished');
    stream.once('close', () => {
      if (!this.ending) this.failure ??= new Error(this.closedEarly);
    });
  }

  async finish(): Promise<void> {
    if (this.endOnFinish) await this.end();
    else await this.drained();
  }

  abort(): void {
    this.stream.destroy();
  }
}
