import { latin1Write } from '@understudy/protocol';
import { lzfCompress } from './lzf.js';

const CHUNK_SIZE = 64 * 1024;
/** Data at least this large goes out as its own chunk instead of being copied into one. */
const LARGE = CHUNK_SIZE / 2;
/** Redis tries LZF only on strings longer than this, and keeps it only if it saves 4 bytes. */
const COMPRESS_ABOVE = 20;
const COMPRESSION_GAIN = 4;

/** Scratch space for a string's bytes before compression, and for LZF output; grown on demand. */
let plain: Buffer = Buffer.allocUnsafe(CHUNK_SIZE);
let packed: Buffer = Buffer.allocUnsafe(CHUNK_SIZE);

function room(buffer: Buffer, size: number): Buffer {
  return buffer.length >= size ? buffer : Buffer.allocUnsafe(Math.max(size, buffer.length * 2));
}

/**
 * Recycles the writer's 64 KiB chunks once their consumers are done with them. A snapshot of
 * a large dataset would otherwise allocate its whole size in short-lived buffers, and V8
 * answers that much external memory with frequent, long garbage collections.
 */
export class ChunkPool {
  private readonly free: ArrayBuffer[] = [];

  constructor(private readonly keep = 64) {}

  get(): Buffer {
    const recycled = this.free.pop();
    return recycled === undefined ? Buffer.allocUnsafeSlow(CHUNK_SIZE) : Buffer.from(recycled);
  }

  /** Takes back a chunk (or a view of one) that nothing reads any more. */
  release(chunk: Buffer): void {
    const backing = chunk.buffer;
    if (backing instanceof ArrayBuffer && backing.byteLength === CHUNK_SIZE && this.free.length < this.keep) this.free.push(backing);
  }
}

/**
 * Appends RDB primitives (lengths, strings, doubles...) to a list of byte chunks, which the
 * owner takes away as they fill: the snapshot streams them to its sinks.
 */
export class RdbWriter {
  private chunk: Buffer;
  private used = 0;
  private readonly filled: Buffer[] = [];
  private filledBytes = 0;

  constructor(
    readonly compression: boolean,
    readonly pool: ChunkPool = new ChunkPool(0),
  ) {
    this.chunk = pool.get();
  }

  /** Bytes written and not taken yet. */
  get pendingBytes(): number {
    return this.filledBytes + this.used;
  }

  /**
   * Everything written since the last take, as chunks in order. Hand each back to the pool
   * (`pool.release`) once it has been consumed.
   */
  take(): Buffer[] {
    this.seal();
    return this.takeFull();
  }

  /** Full chunks only (the partly filled one stays), to stream while writing continues. */
  takeFull(): Buffer[] {
    const out = this.filled.splice(0);
    this.filledBytes = 0;
    return out;
  }

  byte(value: number): void {
    if (this.used === CHUNK_SIZE) this.seal();
    this.chunk[this.used++] = value;
  }

  /** Copies bytes in; `data` may be reused by the caller afterwards. */
  bytes(data: Uint8Array): void {
    if (data.length >= LARGE) {
      this.seal();
      this.push(Buffer.from(data));
      return;
    }
    this.reserve(data.length);
    this.chunk.set(data, this.used);
    this.used += data.length;
  }

  /** The RDB length encoding: 1, 2, 5 or 9 bytes. */
  length(value: number): void {
    if (value < 64) {
      this.byte(value);
    } else if (value < 16384) {
      this.reserve(2);
      this.chunk[this.used++] = 0x40 | (value >> 8);
      this.chunk[this.used++] = value & 0xff;
    } else if (value <= 0xffffffff) {
      this.reserve(5);
      this.chunk[this.used++] = 0x80;
      this.chunk.writeUInt32BE(value, this.used);
      this.used += 4;
    } else {
      this.reserve(9);
      this.chunk[this.used++] = 0x81;
      this.chunk.writeBigUInt64BE(BigInt(value), this.used);
      this.used += 8;
    }
  }

  /**
   * An RDB string as Redis writes it: canonical integers in int32 range int-encoded, strings
   * over 20 bytes LZF-compressed when that saves at least 4 bytes, others raw.
   */
  string(value: string): void {
    const length = value.length;
    if (length <= 11 && length > 0 && this.integer(value)) return;
    if (this.compression && length > COMPRESS_ABOVE) {
      plain = room(plain, length);
      latin1Write(plain, value, 0);
      this.compressible(plain.subarray(0, length));
      return;
    }
    this.length(length);
    if (length >= LARGE) {
      this.seal();
      this.push(Buffer.from(value, 'latin1'));
      return;
    }
    this.reserve(length);
    latin1Write(this.chunk, value, this.used);
    this.used += length;
  }

  /** An RDB string from raw bytes (listpack and intset blobs); `data` may be reused afterwards. */
  blob(data: Buffer): void {
    if (this.compression && data.length > COMPRESS_ABOVE) {
      this.compressible(data);
      return;
    }
    this.length(data.length);
    this.bytes(data);
  }

  /** A score as RDB's binary double (8 bytes little-endian). */
  double(value: number): void {
    this.reserve(8);
    this.chunk.writeDoubleLE(value, this.used);
    this.used += 8;
  }

  /** An expire time: int64 little-endian milliseconds. */
  int64(value: number): void {
    this.reserve(8);
    this.chunk.writeBigInt64LE(BigInt(value), this.used);
    this.used += 8;
  }

  /** Writes an int8/16/32 encoding if the text is a canonical decimal integer in int32 range. */
  private integer(value: string): boolean {
    let p = 0;
    const negative = value.charCodeAt(0) === 0x2d;
    if (negative) p = 1;
    if (p >= value.length) return false;
    const first = value.charCodeAt(p);
    if (first === 0x30 && (value.length > 1 || negative)) return false;
    let n = 0;
    for (; p < value.length; p++) {
      const c = value.charCodeAt(p);
      if (c < 0x30 || c > 0x39) return false;
      n = n * 10 + (c - 0x30);
    }
    if (negative) n = -n;
    if (n >= -128 && n <= 127) {
      this.reserve(2);
      this.chunk[this.used++] = 0xc0;
      this.chunk.writeInt8(n, this.used++);
    } else if (n >= -32768 && n <= 32767) {
      this.reserve(3);
      this.chunk[this.used++] = 0xc1;
      this.chunk.writeInt16LE(n, this.used);
      this.used += 2;
    } else if (n >= -2147483648 && n <= 2147483647) {
      this.reserve(5);
      this.chunk[this.used++] = 0xc2;
      this.chunk.writeInt32LE(n, this.used);
      this.used += 4;
    } else {
      return false;
    }
    return true;
  }

  /** Writes `data` LZF-compressed if that gains enough, raw otherwise. */
  private compressible(data: Buffer): void {
    const limit = data.length - COMPRESSION_GAIN;
    packed = room(packed, limit);
    const size = lzfCompress(data, packed.subarray(0, limit));
    if (size === 0) {
      this.length(data.length);
      this.bytes(data);
      return;
    }
    this.byte(0xc3);
    this.length(size);
    this.length(data.length);
    this.bytes(packed.subarray(0, size));
  }

  private reserve(bytes: number): void {
    if (this.used + bytes > CHUNK_SIZE) this.seal();
  }

  private push(chunk: Buffer): void {
    this.filled.push(chunk);
    this.filledBytes += chunk.length;
  }

  private seal(): void {
    if (this.used === 0) return;
    this.push(this.chunk.subarray(0, this.used));
    this.chunk = this.pool.get();
    this.used = 0;
  }
}
