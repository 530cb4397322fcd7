import { formatDouble } from './double-format.js';
import { latin1Write } from './latin1.js';

export type ProtocolVersion = 2 | 3;

const CHUNK_SIZE = 16 * 1024;
/** Strings shorter than this are copied byte by byte; a native call costs more for them. */
const SHORT_STRING = 24;
const CRLF = 0x0a0d;

/** Idle 16 KiB chunks shared by all writers; only writers holding unflushed replies own one. */
const freeChunks: Buffer[] = [];
const MAX_FREE_CHUNKS = 64;

function acquireChunk(): Buffer {
  return freeChunks.pop() ?? Buffer.allocUnsafeSlow(CHUNK_SIZE);
}

function releaseChunk(chunk: Buffer): void {
  if (chunk.length === CHUNK_SIZE && freeChunks.length < MAX_FREE_CHUNKS) freeChunks.push(chunk);
}

/**
 * Encodes replies for one client in RESP2 or RESP3, choosing the RESP2 fallback of each RESP3
 * type the way redis-server does. Replies accumulate until `take` hands them over as one buffer
 * for a single socket write.
 */
export class ReplyWriter {
  protocol: ProtocolVersion = 2;

  private chunk: Buffer | null = null;
  private used = 0;
  /** Filled chunks (and large strings) waiting behind the current one. */
  private filled: Buffer[] = [];
  private filledBytes = 0;
  /** Pool chunks behind `filled`, returned to the pool once their bytes are copied out. */
  private sealed: Buffer[] = [];

  /** Bytes encoded and not yet taken. */
  get pendingBytes(): number {
    return this.filledBytes + this.used;
  }

  /** Everything encoded since the last call, as one buffer, or null when nothing is pending. */
  take(): Buffer | null {
    const chunk = this.chunk;
    if (chunk === null) return null;
    if (this.pendingBytes === 0) {
      this.discard();
      return null;
    }
    let out: Buffer;
    if (this.filled.length === 0) {
      out = Buffer.allocUnsafe(this.used);
      chunk.copy(out, 0, 0, this.used);
    } else {
      this.filled.push(chunk.subarray(0, this.used));
      out = Buffer.concat(this.filled, this.filledBytes + this.used);
      for (const sealed of this.sealed) releaseChunk(sealed);
      this.filled = [];
      this.filledBytes = 0;
      this.sealed = [];
    }
    releaseChunk(chunk);
    this.chunk = null;
    this.used = 0;
    return out;
  }

  /** Drops everything pending (CLIENT REPLY OFF/SKIP). */
  discard(): void {
    if (this.chunk !== null) releaseChunk(this.chunk);
    for (const sealed of this.sealed) releaseChunk(sealed);
    this.chunk = null;
    this.used = 0;
    this.filled = [];
    this.filledBytes = 0;
    this.sealed = [];
  }

  simple(text: string): void {
    this.prefixed(0x2b, text);
  }

  ok(): void {
    this.raw(OK);
  }

  /** An error reply; `message` starts with its code ("ERR ...", "WRONGTYPE ..."). */
  error(message: string): void {
    this.prefixed(0x2d, message.replace(NEWLINES, ' '));
  }

  integer(value: number | bigint): void {
    this.header(0x3a, value);
  }

  bulk(value: string): void {
    const length = value.length;
    this.header(0x24, length);
    if (length < SHORT_STRING) {
      this.reserve(length + 2);
      const chunk = this.chunk!;
      let at = this.used;
      for (let i = 0; i < length; i++) chunk[at++] = value.charCodeAt(i);
      chunk.writeUInt16LE(CRLF, at);
      this.used = at + 2;
    } else {
      this.text(value);
      this.crlf();
    }
  }

  bulkBuffer(value: Buffer): void {
    this.header(0x24, value.length);
    this.bytes(value);
    this.crlf();
  }

  /** Null: `$-1` in RESP2, `_` in RESP3. */
  nil(): void {
    this.raw(this.protocol === 2 ? NULL_BULK : NULL3);
  }

  /** Null where an array is expected: `*-1` in RESP2, `_` in RESP3. */
  nilArray(): void {
    this.raw(this.protocol === 2 ? NULL_ARRAY : NULL3);
  }

  array(length: number): void {
    this.header(0x2a, length);
  }

  /** A map of `pairs` key/value pairs; a flat array of 2 * pairs elements in RESP2. */
  map(pairs: number): void {
    if (this.protocol === 2) this.header(0x2a, pairs * 2);
    else this.header(0x25, pairs);
  }

  set(length: number): void {
    this.header(this.protocol === 2 ? 0x2a : 0x7e, length);
  }

  /** Out-of-band push (pub/sub messages): `>` in RESP3, an array in RESP2. */
  push(length: number): void {
    this.header(this.protocol === 2 ? 0x2a : 0x3e, length);
  }

  double(value: number): void {
    if (this.protocol === 2) this.bulk(formatDouble(value));
    else this.prefixed(0x2c, formatDouble(value));
  }

  /** A double already formatted by the caller (Redis's long double replies). */
  doubleText(text: string): void {
    if (this.protocol === 2) this.bulk(text);
    else this.prefixed(0x2c, text);
  }

  boolean(value: boolean): void {
    if (this.protocol === 2) this.raw(value ? ONE : ZERO);
    else this.raw(value ? TRUE3 : FALSE3);
  }

  /** Verbatim text (INFO, CLIENT LIST): `=len\r\ntxt:...` in RESP3, a bulk string in RESP2. */
  verbatim(text: string, format = 'txt'): void {
    if (this.protocol === 2) {
      this.bulk(text);
      return;
    }
    this.header(0x3d, text.length + 4);
    this.text(format);
    this.text(':');
    this.text(text);
    this.crlf();
  }

  bulkArray(values: readonly string[]): void {
    this.array(values.length);
    for (let i = 0; i < values.length; i++) this.bulk(values[i]);
  }

  /** Appends pre-encoded protocol bytes. */
  raw(bytes: Buffer): void {
    const length = bytes.length;
    if (length > CHUNK_SIZE) {
      this.bytes(bytes);
      return;
    }
    this.reserve(length);
    bytes.copy(this.chunk!, this.used);
    this.used += length;
  }

  private prefixed(prefix: number, text: string): void {
    this.reserve(1);
    this.chunk![this.used++] = prefix;
    this.text(text);
    this.crlf();
  }

  /** `<prefix><decimal>\r\n`, the header of integers, bulks and aggregates. */
  private header(prefix: number, value: number | bigint): void {
    this.reserve(24);
    const chunk = this.chunk!;
    let at = this.used;
    chunk[at++] = prefix;
    if (typeof value === 'number' && value >= 0 && value < 10) {
      chunk[at++] = 0x30 + value;
    } else {
      const digits = String(value);
      for (let i = 0; i < digits.length; i++) chunk[at++] = digits.charCodeAt(i);
    }
    chunk.writeUInt16LE(CRLF, at);
    this.used = at + 2;
  }

  private crlf(): void {
    this.reserve(2);
    this.chunk!.writeUInt16LE(CRLF, this.used);
    this.used += 2;
  }

  private text(value: string): void {
    const length = value.length;
    if (length <= CHUNK_SIZE) {
      this.reserve(length);
      if (length < SHORT_STRING) {
        const chunk = this.chunk!;
        let at = this.used;
        for (let i = 0; i < length; i++) chunk[at++] = value.charCodeAt(i);
      } else {
        latin1Write(this.chunk!, value, this.used);
      }
      this.used += length;
      return;
    }
    this.bytes(Buffer.from(value, 'latin1'));
  }

  /** Appends a large buffer without copying it into a chunk. */
  private bytes(value: Buffer): void {
    if (value.length <= CHUNK_SIZE) {
      this.raw(value);
      return;
    }
    this.sealChunk();
    this.filled.push(value);
    this.filledBytes += value.length;
  }

  private reserve(bytes: number): void {
    if (this.chunk === null) {
      this.chunk = acquireChunk();
      return;
    }
    if (this.used + bytes > CHUNK_SIZE) this.sealChunk();
  }

  /** Moves the current chunk to the filled list and starts a new one. */
  private sealChunk(): void {
    if (this.chunk !== null && this.used > 0) {
      this.filled.push(this.chunk.subarray(0, this.used));
      this.filledBytes += this.used;
      this.sealed.push(this.chunk);
    } else if (this.chunk !== null) {
      releaseChunk(this.chunk);
    }
    this.chunk = acquireChunk();
    this.used = 0;
  }
}

const NEWLINES = /[\r\n]/g;
const OK = Buffer.from('+OK\r\n');
const NULL_BULK = Buffer.from('$-1\r\n');
const NULL_ARRAY = Buffer.from('*-1\r\n');
const NULL3 = Buffer.from('_\r\n');
const ONE = Buffer.from(':1\r\n');
const ZERO = Buffer.from(':0\r\n');
const TRUE3 = Buffer.from('#t\r\n');
const FALSE3 = Buffer.from('#f\r\n');
