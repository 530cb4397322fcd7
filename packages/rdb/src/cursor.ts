import { latin1Slice } from '@understudy/protocol';
import { StringEncoding } from './format.js';
import { lzfDecompress } from './lzf.js';
import { NeedMoreData, RdbError } from './rdb-error.js';

const EMPTY = Buffer.alloc(0);

/**
 * Reads RDB primitives from a buffer, synchronously; running past the end throws NeedMoreData
 * with the file offset it needed.
 */
export class Cursor {
  private buffer: Buffer = EMPTY;
  /**
   * Where LZF strings are decompressed: each is consumed (made a string, or decoded as a
   * listpack) before the next one is read.
   */
  private scratch: Buffer = Buffer.allocUnsafeSlow(64 * 1024);
  private base = 0;
  position = 0;
  /** What stringSpan read: an integer, or where the bytes are. */
  spanInteger = 0;
  spanBuffer: Buffer = EMPTY;
  spanStart = 0;
  spanLength = 0;

  reset(buffer: Buffer, base: number): void {
    this.buffer = buffer;
    this.base = base;
    this.position = 0;
  }

  /** Drops the reference to the parsed buffer so it can be collected. */
  release(): void {
    this.buffer = EMPTY;
  }

  get offset(): number {
    return this.base + this.position;
  }

  private need(bytes: number): void {
    if (this.position + bytes > this.buffer.length) throw new NeedMoreData(this.base + this.position + bytes);
  }

  byte(): number {
    this.need(1);
    return this.buffer[this.position++];
  }

  /** `length` bytes as latin1 text (one character per byte). */
  ascii(length: number): string {
    this.need(length);
    const text = latin1Slice(this.buffer, this.position, this.position + length);
    this.position += length;
    return text;
  }

  /** The bytes from `start` (a position) up to the cursor, as a view. */
  since(start: number): Buffer {
    return this.buffer.subarray(start, this.position);
  }

  bytes(length: number): Buffer {
    this.need(length);
    const out = this.buffer.subarray(this.position, this.position + length);
    this.position += length;
    return out;
  }

  int32(): number {
    this.need(4);
    const value = this.buffer.readInt32LE(this.position);
    this.position += 4;
    return value;
  }

  int64(): bigint {
    this.need(8);
    const value = this.buffer.readBigInt64LE(this.position);
    this.position += 8;
    return value;
  }

  float64(): number {
    this.need(8);
    const value = this.buffer.readDoubleLE(this.position);
    this.position += 8;
    return value;
  }

  /** A length; special string encodings are refused here. */
  length(): number {
    const first = this.byte();
    if (first >> 6 === 3) throw new RdbError(`Unexpected string encoding 0x${first.toString(16)} where a length was expected`, this.offset - 1);
    return this.lengthFrom(first);
  }

  /** The rest of a length whose first byte (not a special encoding) was read. */
  private lengthFrom(first: number): number {
    const kind = first >> 6;
    if (kind === 0) return first & 0x3f;
    if (kind === 1) return ((first & 0x3f) << 8) | this.byte();
    const at = this.offset - 1;
    if (first === 0x80) {
      this.need(4);
      const value = this.buffer.readUInt32BE(this.position);
      this.position += 4;
      return value;
    }
    if (first === 0x81) {
      this.need(8);
      const value = this.buffer.readBigUInt64BE(this.position);
      this.position += 8;
      if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RdbError(`Length ${value} is too large`, at);
      return Number(value);
    }
    throw new RdbError(`Unknown length encoding ${first} in rdbLoadLen()`, at);
  }

  /** An RDB string as latin1 text (integer encodings as their decimal text). */
  string(): string {
    const first = this.byte();
    if (first >> 6 !== 3) return this.ascii(this.lengthFrom(first));
    const decoded = this.encoded(first & 0x3f);
    return typeof decoded === 'number' ? String(decoded) : latin1Slice(decoded, 0, decoded.length);
  }

  /** An RDB string as bytes: a view of the buffer for raw strings. */
  blob(): Buffer {
    const first = this.byte();
    if (first >> 6 !== 3) return this.bytes(this.lengthFrom(first));
    const decoded = this.encoded(first & 0x3f);
    return typeof decoded === 'number' ? Buffer.from(String(decoded), 'latin1') : decoded;
  }

  /**
   * Reads an RDB string without making a string or a view of it (validators walk many):
   * true for an integer encoding, its value in spanInteger; false for bytes, which are then
   * spanBuffer[spanStart, spanStart + spanLength), the cursor's buffer or, for LZF, scratch
   * that the next string reuses.
   */
  stringSpan(): boolean {
    const first = this.byte();
    if (first >> 6 !== 3) {
      const length = this.lengthFrom(first);
      this.need(length);
      this.spanBuffer = this.buffer;
      this.spanStart = this.position;
      this.spanLength = length;
      this.position += length;
      return false;
    }
    const decoded = this.encoded(first & 0x3f);
    if (typeof decoded === 'number') {
      this.spanInteger = decoded;
      return true;
    }
    this.spanBuffer = decoded;
    this.spanStart = 0;
    this.spanLength = decoded.length;
    return false;
  }

  /** A specially encoded string: an integer, or LZF-compressed bytes. */
  private encoded(encoding: number): number | Buffer {
    const at = this.offset - 1;
    switch (encoding) {
      case StringEncoding.int8:
        this.need(1);
        return this.buffer.readInt8(this.position++);
      case StringEncoding.int16: {
        this.need(2);
        const n = this.buffer.readInt16LE(this.position);
        this.position += 2;
        return n;
      }
      case StringEncoding.int32:
        return this.int32();
      case StringEncoding.lzf: {
        const compressed = this.length();
        const length = this.length();
        const data = this.bytes(compressed);
        if (this.scratch.length < length) this.scratch = Buffer.allocUnsafeSlow(Math.max(length, this.scratch.length * 2));
        const output = lzfDecompress(data, length, this.scratch);
        if (output === null) throw new RdbError(`Invalid LZF compressed string (${compressed} bytes that should expand to ${length})`, at);
        return output;
      }
      default:
        throw new RdbError(`Unknown RDB string encoding type ${encoding}`, at);
    }
  }

  /** The old text double of type 3 zsets: 253 NaN, 254 +inf, 255 -inf, else that many chars. */
  stringDouble(): number {
    const length = this.byte();
    if (length === 253) return NaN;
    if (length === 254) return Infinity;
    if (length === 255) return -Infinity;
    return Number(this.ascii(length));
  }
}
