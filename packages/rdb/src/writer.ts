import { parseInteger } from '@understudy/engine';
import { latin1Write } from '@understudy/protocol';
import { lengthSize, SPECIAL_ENCODING, StringEncoding, writeLength } from './format.js';
import { compressSpans, SPAN_FIELDS } from './lzf.js';

export const CHUNK_SIZE = 64 * 1024;
/** Data at least this large goes out as its own chunk instead of being copied into one. */
const LARGE = CHUNK_SIZE / 2;
/** RdbWriter.cell takes strings shorter than this, which always fit in a chunk. */
export const CELL_STRING_LIMIT = LARGE;
/** Redis tries LZF only on strings longer than this. */
const COMPRESS_ABOVE = 20;
/** The most compressible strings a chunk can hold: each takes at least a header byte and 21. */
const SPANS_PER_CHUNK = Math.ceil(CHUNK_SIZE / (COMPRESS_ABOVE + 2)) + 1;
/**
 * A cell reference: where in the chunk the bytes go, the page (an index into the snapshot's
 * page list), the offset in the page and the length.
 */
export const CELL_FIELDS = 4;
/** The most cell strings a chunk can hold: slab strings are at least 64 bytes. */
const CELLS_PER_CHUNK = Math.ceil(CHUNK_SIZE / 64) + 1;

/**
 * Recycles the writer's 64 KiB chunks once their consumers are done with them. A snapshot of
 * a large dataset would otherwise allocate its whole size in short-lived buffers, and V8
 * answers that much external memory with frequent, long garbage collections.
 *
 * A shared pool (`shared`) makes every buffer a SharedArrayBuffer, for chunks that an encoding
 * worker finishes in place. Such a chunk crosses to the worker and back without being
 * transferred. That matters: each transfer makes a new ArrayBuffer of the same bytes on the
 * receiving side, which V8 counts as new external memory until a full collection sweeps the
 * old one. Over a 1 GB snapshot that count grew by ~115 KB a chunk and started a mark-compact
 * "for external memory pressure" whose 10 ms marking steps stalled the event loop for up to
 * 60 ms. V8 does not count shared buffers against an isolate at all.
 */
export class ChunkPool {
  private readonly free: ArrayBufferLike[] = [];
  private readonly freeSpans: Int32Array[] = [];
  private readonly freeCells: Int32Array[] = [];

  constructor(
    readonly shared = false,
    private readonly keep = 64,
  ) {}

  get(): Buffer {
    const recycled = this.free.pop();
    return recycled === undefined ? this.alloc(CHUNK_SIZE) : Buffer.from(recycled);
  }

  /** A buffer of its own for one large item, shared like the pool's chunks; never recycled. */
  alloc(size: number): Buffer {
    return this.shared ? Buffer.from(new SharedArrayBuffer(size)) : Buffer.allocUnsafeSlow(size);
  }

  /** Takes back a chunk (or a view of one) that nothing reads any more. */
  release(chunk: Uint8Array): void {
    const backing = chunk.buffer;
    if (backing.byteLength === CHUNK_SIZE && backing instanceof (this.shared ? SharedArrayBuffer : ArrayBuffer) && this.free.length < this.keep) this.free.push(backing);
  }

  /** Room for the cell references of one chunk. */
  getCells(): Int32Array {
    return this.freeCells.pop() ?? this.int32s(CELLS_PER_CHUNK * CELL_FIELDS);
  }

  releaseCells(cells: Int32Array): void {
    if (cells.length === CELLS_PER_CHUNK * CELL_FIELDS && this.freeCells.length < this.keep) this.freeCells.push(cells);
  }

  /** Room for the spans of one chunk. */
  getSpans(): Int32Array {
    return this.freeSpans.pop() ?? this.int32s(SPANS_PER_CHUNK * SPAN_FIELDS);
  }

  releaseSpans(spans: Int32Array): void {
    if (spans.length === SPANS_PER_CHUNK * SPAN_FIELDS && this.freeSpans.length < this.keep) this.freeSpans.push(spans);
  }

  private int32s(count: number): Int32Array {
    return this.shared ? new Int32Array(new SharedArrayBuffer(count * 4)) : new Int32Array(count);
  }
}

/** A chunk as written, before its strings are compressed: the bytes and where the strings are. */
export interface RawChunk {
  data: Buffer;
  /** SPAN_FIELDS numbers per compressible string (see lzf.ts). */
  spans: Int32Array;
  spanCount: number;
  /**
   * CELL_FIELDS numbers per string whose bytes are still in a slab cell (RdbWriter.cell):
   * whoever encodes the chunk inserts them first. Span offsets count them in.
   */
  cells: Int32Array;
  cellCount: number;
}

const NO_SPANS = new Int32Array(0);
const NO_CELLS = new Int32Array(0);

/** A raw chunk's final bytes: its strings compressed in place, its spans back in the pool. */
export function compressChunk(raw: RawChunk, pool: ChunkPool): Buffer {
  if (raw.cellCount > 0) throw new Error('a chunk with cell references needs the pages to encode');
  if (raw.spanCount === 0) return raw.data;
  const length = compressSpans(raw.data, raw.data.length, raw.spans, raw.spanCount);
  pool.releaseSpans(raw.spans);
  return raw.data.subarray(0, length);
}

/**
 * Appends RDB primitives (lengths, strings, doubles...) to byte chunks that the owner takes
 * away as they fill: the snapshot streams them to its sinks.
 *
 * With compression on, strings over 20 bytes are laid out raw and noted, and compressed when
 * the chunk is taken (`take`), or later by whoever takes the raw chunks (`takeRaw`).
 */
export class RdbWriter {
  private chunk: Buffer;
  private used = 0;
  private spans: Int32Array;
  private spanCount = 0;
  /** Cell strings in the chunk being filled, and their bytes, which are not in it yet. */
  private cells: Int32Array = NO_CELLS;
  private cellCount = 0;
  private cellBytes = 0;
  private readonly filled: RawChunk[] = [];
  private filledBytes = 0;

  constructor(
    readonly compression: boolean,
    readonly pool: ChunkPool = new ChunkPool(false, 0),
  ) {
    this.chunk = pool.get();
    this.spans = compression ? pool.getSpans() : NO_SPANS;
  }

  /** Bytes the chunk being filled has left, cell strings counted in. */
  get roomInChunk(): number {
    return CHUNK_SIZE - this.used - this.cellBytes;
  }

  /** Bytes written and not taken yet. */
  get pendingBytes(): number {
    return this.filledBytes + this.used + this.cellBytes;
  }

  /**
   * Everything written since the last take, as final bytes in order (strings compressed). Hand
   * each chunk back to the pool (`pool.release`) once it has been consumed.
   */
  take(): Buffer[] {
    return this.compressAll(this.takeRaw());
  }

  /** As take(), but only chunks already full: the one being filled stays (SAVE streams this way). */
  takeFull(): Buffer[] {
    const out = this.filled.splice(0);
    this.filledBytes = 0;
    return this.compressAll(out);
  }

  private compressAll(chunks: RawChunk[]): Buffer[] {
    return chunks.map((raw) => compressChunk(raw, this.pool));
  }

  /** Everything written since the last take, strings not compressed yet. */
  takeRaw(): RawChunk[] {
    this.seal();
    const out = this.filled.splice(0);
    this.filledBytes = 0;
    return out;
  }

  byte(value: number): void {
    if (this.used + this.cellBytes >= CHUNK_SIZE) this.seal();
    this.chunk[this.used++] = value;
  }

  /** Copies bytes in; `data` may be reused by the caller afterwards. */
  bytes(data: Uint8Array): void {
    if (data.length >= LARGE) {
      this.seal();
      const chunk = this.pool.alloc(data.length);
      chunk.set(data);
      this.pushAlone(chunk, NO_SPANS, 0);
      return;
    }
    this.reserve(data.length);
    this.chunk.set(data, this.used);
    this.used += data.length;
  }

  /** The RDB length encoding: 1, 2, 5 or 9 bytes. */
  length(value: number): void {
    this.reserve(9);
    this.used = writeLength(this.chunk, this.used, value);
  }

  /**
   * An RDB string as Redis writes it: canonical integers in int32 range int-encoded, strings
   * over 20 bytes LZF-compressed (when the chunk is taken) if that saves 4 bytes, others raw.
   */
  string(value: string): void {
    const length = value.length;
    if (length <= 11 && length > 0 && this.integer(value)) return;
    const compressible = this.compression && length > COMPRESS_ABOVE;
    if (length >= LARGE) {
      // A chunk of its own, header included, so that the string can be compressed in place.
      this.seal();
      const header = lengthSize(length);
      const chunk = this.pool.alloc(header + length);
      writeLength(chunk, 0, length);
      latin1Write(chunk, value, header);
      this.pushAlone(chunk, compressible ? Int32Array.of(0, header, length) : NO_SPANS, compressible ? 1 : 0);
      return;
    }
    const header = lengthSize(length);
    this.reserve(header + length);
    if (compressible) this.noteSpan(this.used + this.cellBytes, header, length);
    this.used = writeLength(this.chunk, this.used, length);
    latin1Write(this.chunk, value, this.used);
    this.used += length;
  }

  /** An RDB string from raw bytes (listpack and intset blobs, stored strings); `data` may be reused afterwards. */
  blob(data: Uint8Array): void {
    const length = data.length;
    const compressible = this.compression && length > COMPRESS_ABOVE;
    const header = lengthSize(length);
    if (length >= LARGE) {
      this.seal();
      const chunk = this.pool.alloc(header + length);
      writeLength(chunk, 0, length);
      chunk.set(data, header);
      this.pushAlone(chunk, compressible ? Int32Array.of(0, header, length) : NO_SPANS, compressible ? 1 : 0);
      return;
    }
    this.reserve(header + length);
    if (compressible) this.noteSpan(this.used + this.cellBytes, header, length);
    this.used = writeLength(this.chunk, this.used, length);
    this.chunk.set(data, this.used);
    this.used += length;
  }

  /**
   * Bytes that stay in a slab cell for now (shorter than CELL_STRING_LIMIT): the encoder, which
   * reads the slab's pages on its own thread, inserts them. As an RDB string (`asString`), with
   * a length header and compressed like string(); otherwise as they are.
   */
  cell(page: number, offset: number, length: number, asString: boolean): void {
    const header = asString ? lengthSize(length) : 0;
    this.reserve(header + length);
    // Full only if cells were shorter than slab strings are; a new chunk rather than a bad one.
    if (this.cellCount === CELLS_PER_CHUNK) this.seal();
    if (asString) {
      if (this.compression && length > COMPRESS_ABOVE) this.noteSpan(this.used + this.cellBytes, header, length);
      this.used = writeLength(this.chunk, this.used, length);
    }
    if (this.cells === NO_CELLS) this.cells = this.pool.getCells();
    const at = this.cellCount * CELL_FIELDS;
    this.cells[at] = this.used;
    this.cells[at + 1] = page;
    this.cells[at + 2] = offset;
    this.cells[at + 3] = length;
    this.cellCount++;
    this.cellBytes += length;
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
    const n = parseInteger(value);
    if (n >= -128 && n <= 127) {
      this.reserve(2);
      this.chunk[this.used++] = SPECIAL_ENCODING | StringEncoding.int8;
      this.chunk.writeInt8(n, this.used++);
    } else if (n >= -32768 && n <= 32767) {
      this.reserve(3);
      this.chunk[this.used++] = SPECIAL_ENCODING | StringEncoding.int16;
      this.chunk.writeInt16LE(n, this.used);
      this.used += 2;
    } else if (n >= -2147483648 && n <= 2147483647) {
      this.reserve(5);
      this.chunk[this.used++] = SPECIAL_ENCODING | StringEncoding.int32;
      this.chunk.writeInt32LE(n, this.used);
      this.used += 4;
    } else {
      // NaN (not a canonical integer) or outside int32.
      return false;
    }
    return true;
  }

  private noteSpan(offset: number, header: number, length: number): void {
    const at = this.spanCount * SPAN_FIELDS;
    this.spans[at] = offset;
    this.spans[at + 1] = header;
    this.spans[at + 2] = length;
    this.spanCount++;
  }

  private reserve(bytes: number): void {
    if (this.used + this.cellBytes + bytes > CHUNK_SIZE) this.seal();
  }

  private push(data: Buffer, spans: Int32Array, spanCount: number, cells: Int32Array, cellCount: number, cellBytes: number): void {
    this.filled.push({ data, spans, spanCount, cells, cellCount });
    this.filledBytes += data.length + cellBytes;
  }

  /** A chunk of its own for one large item (never with cell strings). */
  private pushAlone(data: Buffer, spans: Int32Array, spanCount: number): void {
    this.push(data, spans, spanCount, NO_CELLS, 0, 0);
  }

  private seal(): void {
    // A chunk may hold nothing but a raw cell, whose bytes are not in it yet.
    if (this.used === 0 && this.cellCount === 0) return;
    const spans = this.spanCount === 0 ? NO_SPANS : this.spans;
    const cells = this.cellCount === 0 ? NO_CELLS : this.cells;
    this.push(this.chunk.subarray(0, this.used), spans, this.spanCount, cells, this.cellCount, this.cellBytes);
    if (this.spanCount > 0) this.spans = this.pool.getSpans();
    if (this.cellCount > 0) this.cells = NO_CELLS;
    this.chunk = this.pool.get();
    this.used = 0;
    this.spanCount = 0;
    this.cellCount = 0;
    this.cellBytes = 0;
  }
}
