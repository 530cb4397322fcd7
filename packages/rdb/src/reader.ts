import { type EngineLimits, HashValue, ListValue, NO_EXPIRY, type RedisValue, SetValue, ZSetValue } from '@understudy/engine';
import { latin1Slice } from '@understudy/protocol';
import { Crc64 } from './crc64.js';
import { MAGIC, Opcode, QuicklistContainer, RDB_VERSION, RdbType, StringEncoding, TYPE_NAMES } from './format.js';
import { decodeIntset, IntsetError } from './intset.js';
import { decodeListpack, ListpackError } from './listpack.js';
import { lzfDecompress } from './lzf.js';
import { NeedMoreData, RdbError } from './rdb-error.js';
import { decodeZiplist, decodeZipmap, ZiplistError } from './ziplist.js';

/** A key read from the file, with the RDB type it was stored as. */
export interface RdbRecord {
  db: number;
  key: string;
  value: RedisValue;
  /** Unix ms, or NO_EXPIRY. */
  expireAt: number;
  type: number;
}

/** What the parser reports while it reads. Handlers may throw RdbError to refuse the file. */
export interface RdbHandler {
  aux?(key: string, value: string, offset: number): void;
  selectDb?(db: number, offset: number): void;
  record(record: RdbRecord, offset: number): void;
  /** A collection stored with no elements; Redis skips such keys with a warning. */
  emptyKey?(key: string, type: number): void;
}

export interface RdbParserOptions {
  /** Encoding thresholds of the loading server: values get the encoding it would choose. */
  limits: EngineLimits;
  /** Whether to verify the CRC64 trailer (rdbchecksum); a stored zero is never verified. */
  verifyChecksum: boolean;
  /**
   * The caller computes the checksum itself (on another thread, from the file): the parser
   * only keeps the stored trailer (`trailer`) for it to compare.
   */
  checksumElsewhere?: boolean;
}

/** A read that ran out of data is retried once at least this much more has arrived. */
const MIN_RETRY_BYTES = 64 * 1024;
const INITIAL_BUFFER_BYTES = 512 * 1024;

type Phase = 'header' | 'body' | 'checksum' | 'done';

/**
 * Reads an RDB stream incrementally: push chunks as they arrive (from a file or a socket);
 * keys go to the handler as soon as their record is complete, so only the record being read
 * (plus one chunk) is held. Malformed input throws RdbError naming the byte offset and what
 * was expected; nothing after the error is reported.
 *
 * Parsing runs record by record over the buffered bytes; a record cut by the end of the buffer
 * is parsed again once enough more bytes arrived (the amount buffered at least doubles between
 * attempts, so a large record costs O(size) in total).
 */
export class RdbParser {
  version = 0;
  /** What the trailer said, once read: a checksum that matched, or zeros (rdbchecksum no). */
  checksum: 'verified' | 'disabled' | 'unchecked' | 'elsewhere' | null = null;
  /** With checksumElsewhere: the stored checksum and its offset (the bytes it covers). */
  trailer: { stored: Buffer; offset: number } | null = null;
  private readonly computeChecksum: boolean;
  private phase: Phase = 'header';
  /** Bytes received and not parsed yet live in acc[head, tail). */
  private acc: Buffer = Buffer.allocUnsafeSlow(INITIAL_BUFFER_BYTES);
  private head = 0;
  private tail = 0;
  /** File offset of acc[head]. */
  private base = 0;
  private waitingFor = 0;
  private readonly crc = new Crc64();
  private db = 0;
  private expireAt = NO_EXPIRY;
  private readonly cursor = new Cursor();
  /** The record being read, to name it in errors. */
  private readingKey: string | null = null;
  private readingType: number | null = null;

  constructor(
    private readonly handler: RdbHandler,
    private readonly options: RdbParserOptions,
  ) {
    this.computeChecksum = options.verifyChecksum && options.checksumElsewhere !== true;
  }

  /** Parses what it can of `chunk`; the chunk is copied, so the caller may reuse it. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.phase === 'done') throw new RdbError('Unexpected data after the checksum', this.base);
    this.reserve(chunk.length);
    chunk.copy(this.acc, this.tail);
    this.commit(chunk.length);
  }

  /**
   * Room for at least `bytes` more input, for callers that read straight into it (a file);
   * they then `commit` what they read.
   */
  space(bytes: number): Buffer {
    this.reserve(bytes);
    return this.acc.subarray(this.tail);
  }

  commit(bytes: number): void {
    if (bytes === 0) return;
    if (this.phase === 'done') throw new RdbError('Unexpected data after the checksum', this.base);
    this.tail += bytes;
    if (this.tail - this.head < this.waitingFor) return;
    this.waitingFor = 0;
    this.parse(false);
  }

  /** The stream ended: anything but a complete file is an error. */
  end(): void {
    if (this.phase === 'done') return;
    this.parse(true);
  }

  private reserve(bytes: number): void {
    if (this.tail + bytes <= this.acc.length) return;
    const held = this.tail - this.head;
    if (held + bytes <= this.acc.length) {
      this.acc.copyWithin(0, this.head, this.tail);
    } else {
      const grown = Buffer.allocUnsafeSlow(Math.max(held + bytes, this.acc.length * 2));
      this.acc.copy(grown, 0, this.head, this.tail);
      this.acc = grown;
    }
    this.head = 0;
    this.tail = held;
  }

  /** Parses whole items from the buffer; `final` turns running out of bytes into an error. */
  private parse(final: boolean): void {
    const cursor = this.cursor;
    const buffer = this.acc.subarray(this.head, this.tail);
    cursor.reset(buffer, this.base);
    let position = 0;
    let crcFrom = 0;
    try {
      while (this.phase !== 'done') {
        if (this.phase === 'checksum' && this.computeChecksum) {
          this.crc.update(buffer.subarray(crcFrom, position));
          crcFrom = position;
        }
        this.parseItem(cursor);
        position = cursor.position;
      }
      if (position < buffer.length) throw new RdbError('Unexpected data after the checksum', this.base + position);
    } catch (error) {
      if (!(error instanceof NeedMoreData)) throw error;
      if (final) throw this.truncated(buffer.length);
      this.waitingFor = Math.max(error.needed - (this.base + position), MIN_RETRY_BYTES, (buffer.length - position) * 2);
    }
    if (this.phase !== 'done' && this.computeChecksum) this.crc.update(buffer.subarray(crcFrom, position));
    cursor.release();
    this.head += position;
    this.base += position;
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
      // A large record grew the buffer; give the memory back once it is parsed.
      if (this.acc.length > 4 * INITIAL_BUFFER_BYTES) this.acc = Buffer.allocUnsafeSlow(INITIAL_BUFFER_BYTES);
    }
  }

  private truncated(buffered: number): RdbError {
    const what =
      this.phase === 'header' ? 'the file header' : this.phase === 'checksum' ? 'the checksum' : this.readingKey !== null ? 'a key record' : 'the next record';
    return new RdbError(`Unexpected EOF reading RDB file (reading ${what})`, this.base + buffered, this.readingKey, this.readingType);
  }

  private parseItem(cursor: Cursor): void {
    if (this.phase === 'header') {
      const magic = cursor.ascii(5);
      if (magic !== MAGIC) throw new RdbError('Wrong signature trying to load DB from file', this.base);
      const digits = cursor.ascii(4);
      const version = /^\d{4}$/.test(digits) ? Number(digits) : NaN;
      if (!(version >= 1 && version <= RDB_VERSION)) throw new RdbError(`Can't handle RDB format version ${digits}`, this.base + 5);
      this.version = version;
      this.phase = 'body';
      return;
    }
    if (this.phase === 'checksum') {
      const at = cursor.offset;
      const stored = cursor.bytes(8);
      const disabled = stored.every((byte) => byte === 0);
      if (disabled) {
        this.checksum = 'disabled';
      } else if (this.computeChecksum) {
        checkChecksum(this.crc.digest(), stored, at);
        this.checksum = 'verified';
      } else if (this.options.verifyChecksum) {
        this.trailer = { stored: Buffer.from(stored), offset: at };
        this.checksum = 'elsewhere';
      } else {
        this.checksum = 'unchecked';
      }
      this.phase = 'done';
      return;
    }
    const at = cursor.offset;
    const opcode = cursor.byte();
    switch (opcode) {
      case Opcode.eof:
        this.phase = this.version >= 5 ? 'checksum' : 'done';
        return;
      case Opcode.selectDb: {
        const db = cursor.length();
        this.handler.selectDb?.(db, at);
        this.db = db;
        return;
      }
      case Opcode.resizeDb:
        cursor.length();
        cursor.length();
        return;
      case Opcode.aux: {
        const key = cursor.string();
        const value = cursor.string();
        this.handler.aux?.(key, value, at);
        return;
      }
      case Opcode.expireTimeMs:
        this.expireAt = Number(cursor.int64());
        return;
      case Opcode.expireTime:
        this.expireAt = cursor.int32() * 1000;
        return;
      case Opcode.idle:
        cursor.length();
        return;
      case Opcode.freq:
        cursor.byte();
        return;
      case Opcode.moduleAux:
        throw new RdbError('The RDB file contains AUX module data (opcode 247), but this server has no modules', at);
      case Opcode.function2:
      case Opcode.functionOld:
        throw new RdbError(`The RDB file contains a function library (opcode ${opcode}), but this server does not support functions`, at);
      default:
        this.readRecord(cursor, opcode, at);
    }
  }

  private readRecord(cursor: Cursor, type: number, at: number): void {
    const name = TYPE_NAMES[type];
    if (name === undefined) throw new RdbError(`Unknown RDB encoding type ${type}`, at, null, type);
    this.readingType = type;
    const key = cursor.string();
    this.readingKey = key;
    let value: RedisValue | null;
    try {
      value = this.readValue(cursor, type, at);
    } catch (error) {
      if (error instanceof RdbError && error.key === null) throw new RdbError(error.reason, error.offset, key, type);
      if (error instanceof ListpackError || error instanceof IntsetError || error instanceof ZiplistError) {
        throw new RdbError(`${error.message} (type ${type} ${name})`, at, key, type);
      }
      throw error;
    }
    this.readingKey = null;
    this.readingType = null;
    const expireAt = this.expireAt;
    this.expireAt = NO_EXPIRY;
    if (value === null) {
      this.handler.emptyKey?.(key, type);
      return;
    }
    this.handler.record({ db: this.db, key, value, expireAt, type }, at);
  }

  /** The value of a record; null for an empty collection (skipped, as Redis does). */
  private readValue(cursor: Cursor, type: number, at: number): RedisValue | null {
    const limits = this.options.limits;
    switch (type) {
      case RdbType.string:
        return cursor.string();
      case RdbType.list: {
        const count = cursor.length();
        const list = new ListValue(Math.min(count, 1024));
        for (let i = 0; i < count; i++) list.pushTail(cursor.string());
        return list.length === 0 ? null : list;
      }
      case RdbType.set: {
        const count = cursor.length();
        const set = new SetValue();
        if (count > limits.setMaxIntsetEntries) set.convertToTable();
        for (let i = 0; i < count; i++) {
          const memberAt = cursor.offset;
          if (!set.add(cursor.string(), limits.setMaxIntsetEntries)) throw new RdbError('Duplicate set members detected', memberAt);
        }
        return set.size === 0 ? null : set;
      }
      case RdbType.zset:
      case RdbType.zset2: {
        const count = cursor.length();
        const members: string[] = [];
        const scores: number[] = [];
        for (let i = 0; i < count; i++) {
          members.push(cursor.string());
          const scoreAt = cursor.offset;
          const score = type === RdbType.zset2 ? cursor.float64() : cursor.stringDouble();
          if (Number.isNaN(score)) throw new RdbError('Zset with NAN score detected', scoreAt);
          scores.push(score);
        }
        return this.zset(members, scores, at);
      }
      case RdbType.hash: {
        const count = cursor.length();
        const entries: string[] = [];
        for (let i = 0; i < count; i++) entries.push(cursor.string(), cursor.string());
        return this.hash(entries, at);
      }
      case RdbType.setIntset: {
        const members = decodeIntset(cursor.blob());
        const set = new SetValue();
        if (members.length > limits.setMaxIntsetEntries) set.convertToTable();
        for (const member of members) set.add(member, limits.setMaxIntsetEntries);
        return set;
      }
      case RdbType.listZiplist:
        return nonEmptyList(decodeZiplist(cursor.blob()));
      case RdbType.listQuicklist: {
        const nodes = cursor.length();
        const list = new ListValue();
        for (let i = 0; i < nodes; i++) for (const element of decodeZiplist(cursor.blob())) list.pushTail(element);
        return list.length === 0 ? null : list;
      }
      case RdbType.listQuicklist2: {
        const nodes = cursor.length();
        const list = new ListValue();
        for (let i = 0; i < nodes; i++) {
          const nodeAt = cursor.offset;
          const container = cursor.length();
          const data = cursor.blob();
          if (container === QuicklistContainer.plain) {
            list.pushTail(latin1Slice(data, 0, data.length));
          } else if (container === QuicklistContainer.packed) {
            if (data.length === 0) throw new RdbError('Quicklist integrity check failed (empty node).', nodeAt);
            for (const element of decodeListpack(data)) list.pushTail(element);
          } else {
            throw new RdbError(`Quicklist integrity check failed (container ${container}).`, nodeAt);
          }
        }
        return list.length === 0 ? null : list;
      }
      case RdbType.hashZipmap:
        return this.hash(decodeZipmap(cursor.blob()), at);
      case RdbType.hashZiplist:
      case RdbType.hashListpack: {
        const entries = type === RdbType.hashZiplist ? decodeZiplist(cursor.blob()) : decodeListpack(cursor.blob());
        if (entries.length % 2 !== 0) throw new RdbError('Hash listpack with an odd number of entries', at);
        return this.hash(entries, at);
      }
      case RdbType.zsetZiplist:
      case RdbType.zsetListpack: {
        const entries = type === RdbType.zsetZiplist ? decodeZiplist(cursor.blob()) : decodeListpack(cursor.blob());
        if (entries.length % 2 !== 0) throw new RdbError('Zset listpack with an odd number of entries', at);
        const members: string[] = [];
        const scores: number[] = [];
        for (let i = 0; i < entries.length; i += 2) {
          const score = scoreFromText(entries[i + 1]);
          if (Number.isNaN(score)) throw new RdbError('Zset with NAN score detected', at);
          members.push(entries[i]);
          scores.push(score);
        }
        return this.zset(members, scores, at);
      }
      case RdbType.streamListpacks:
      case RdbType.streamListpacks2:
        throw new RdbError(`Streams are not supported (type ${type} ${TYPE_NAMES[type]})`, at);
      default:
        throw new RdbError(`Module values are not supported (type ${type} ${TYPE_NAMES[type]})`, at);
    }
  }

  /** A hash from alternating fields and values, in the encoding the loading server would pick. */
  private hash(entries: readonly string[], at: number): HashValue | null {
    if (entries.length === 0) return null;
    const limits = this.options.limits;
    const hash = new HashValue();
    let large = entries.length / 2 > limits.hashMaxListpackEntries;
    for (let i = 0; i < entries.length && !large; i++) if (entries[i].length > limits.hashMaxListpackValue) large = true;
    if (large) hash.convertToTable();
    for (let i = 0; i < entries.length; i += 2) {
      if (!hash.set(entries[i], entries[i + 1])) throw new RdbError('Duplicate hash fields detected', at);
    }
    return hash;
  }

  private zset(members: readonly string[], scores: readonly number[], at: number): ZSetValue | null {
    if (members.length === 0) return null;
    const zset = new ZSetValue();
    // Built as a skiplist (keeping -0), then settled as a loading Redis would encode it.
    zset.isListpack = false;
    for (let i = 0; i < members.length; i++) {
      if (!zset.set(members[i], scores[i])) throw new RdbError('Duplicate zset fields detected', at);
    }
    zset.settleEncoding(this.options.limits);
    return zset;
  }
}

/** A score stored as text in a ziplist or listpack (integers, %.17g, inf). */
function scoreFromText(text: string): number {
  // Numbers first: the pattern only runs for the rare text Number() refuses ("inf").
  const score = Number(text);
  if (!Number.isNaN(score)) return text.length === 0 ? NaN : score;
  if (/^[+-]?inf(inity)?$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  return NaN;
}

function nonEmptyList(elements: string[]): ListValue | null {
  return elements.length === 0 ? null : ListValue.of(elements);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).reverse().toString('hex');
}

/** Throws Redis's checksum error unless the stored trailer equals the computed CRC. */
export function checkChecksum(computed: Uint8Array, stored: Uint8Array, offset: number): void {
  if (!Buffer.from(stored).equals(Buffer.from(computed))) {
    throw new RdbError(`Wrong RDB checksum expected: (${hex(computed)}) but got (${hex(stored)})`, offset);
  }
}

/**
 * Reads RDB primitives from a buffer, synchronously; running past the end throws NeedMoreData
 * with the file offset it needed.
 */
const EMPTY = Buffer.alloc(0);

class Cursor {
  private buffer: Buffer = EMPTY;
  /**
   * Where LZF strings are decompressed: each is consumed (made a string, or decoded as a
   * listpack) before the next one is read.
   */
  private scratch: Buffer = Buffer.allocUnsafeSlow(64 * 1024);
  private base = 0;
  position = 0;

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
