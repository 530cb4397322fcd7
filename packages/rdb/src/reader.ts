import { type EngineLimits, NO_EXPIRY, type PackedFormat, type RedisValue } from '@understudy/engine';
import { Crc64 } from './crc64.js';
import { Cursor } from './cursor.js';
import { decodeValue } from './decode-value.js';
import { MAGIC, Opcode, RDB_VERSION, TYPE_NAMES } from './format.js';
import { IntsetError } from './intset.js';
import { ListpackError } from './listpack.js';
import { PACKED_FORMATS, PackableScan } from './packed-values.js';
import { NeedMoreData, RdbError } from './rdb-error.js';
import { ZiplistError } from './ziplist.js';

/** A key read from the file, with the RDB type it was stored as. */
export interface RdbRecord {
  db: number;
  key: string;
  value: RedisValue;
  /** Unix ms, or NO_EXPIRY. */
  expireAt: number;
  type: number;
}

/** A key whose value stays in the bytes the file held it in (see PackedFormat). */
export interface PackedRdbRecord extends Omit<RdbRecord, 'value'> {
  format: PackedFormat;
  /** A view of the parser's buffer, valid only during the call. */
  bytes: Buffer;
}

/** What the parser reports while it reads. Handlers may throw RdbError to refuse the file. */
export interface RdbHandler {
  aux?(key: string, value: string, offset: number): void;
  selectDb?(db: number, offset: number): void;
  record(record: RdbRecord, offset: number): void;
  /**
   * A handler that can keep values packed gets here the records whose values the parser
   * found valid and fit to keep so; the others, and all values without it, go to record().
   */
  packedRecord?(record: PackedRdbRecord, offset: number): void;
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
  private readonly packable = new PackableScan();
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
    if (this.handler.packedRecord !== undefined && this.readPacked(cursor, type, key, at)) return;
    let value: RedisValue | null;
    try {
      value = decodeValue(cursor, type, at, this.options.limits);
    } catch (error) {
      if (error instanceof RdbError && error.key === null) throw new RdbError(error.reason, error.offset, key, type);
      if (error instanceof ListpackError || error instanceof IntsetError || error instanceof ZiplistError) {
        throw new RdbError(`${error.message} (type ${type} ${name})`, at, key, type);
      }
      throw error;
    }
    const expireAt = this.recordRead();
    if (value === null) {
      this.handler.emptyKey?.(key, type);
      return;
    }
    this.handler.record({ db: this.db, key, value, expireAt, type }, at);
  }

  /** Hands the value at the cursor over packed if it may stay so; false, cursor unmoved, if not. */
  private readPacked(cursor: Cursor, type: number, key: string, at: number): boolean {
    const format = PACKED_FORMATS[type];
    if (format === undefined) return false;
    const start = cursor.position;
    if (!this.packable.scan(cursor, type)) {
      cursor.position = start;
      return false;
    }
    const expireAt = this.recordRead();
    this.handler.packedRecord!({ db: this.db, key, format, bytes: cursor.since(start), expireAt, type }, at);
    return true;
  }

  /** A record's value has been read: nothing is being read now; returns the expiry it had. */
  private recordRead(): number {
    this.readingKey = null;
    this.readingType = null;
    const expireAt = this.expireAt;
    this.expireAt = NO_EXPIRY;
    return expireAt;
  }
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
