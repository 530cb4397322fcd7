import { splitInlineArgs } from './inline-args.js';
import { latin1Slice } from './latin1.js';
import { ProtocolError } from './protocol-error.js';

/** Longest count/length line or inline request redis-server buffers before giving up. */
export const INLINE_MAX_SIZE = 64 * 1024;
/** Longest multibulk count redis-server 7.0 accepts (INT_MAX). */
const MAX_MULTIBULK_COUNT = 2147483647;
/** The longest string V8 can create (2^29 - 24); an argument must fit in one. */
const MAX_ARGUMENT_LENGTH = 2 ** 29 - 24;
/** Limits for a client that must still authenticate. */
const UNAUTHENTICATED_MAX_ARGS = 10;
const UNAUTHENTICATED_MAX_BULK = 16384;

const CR = 13;
const LF = 10;
const STAR = 42;
const DOLLAR = 36;
const EMPTY = Buffer.alloc(0);

/**
 * Frames client requests: RESP multibulk arrays (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) and inline
 * lines (`PING\r\n`), with the limits and error replies of redis-server 7.0.
 *
 * Pull-based so the server can stop between commands (a blocked client keeps its remaining
 * pipeline buffered): `append` stores bytes, `next` returns one command or null when more bytes
 * are needed. Arguments come back as latin1 strings, one character per byte, so any byte
 * sequence round-trips. `next` throws ProtocolError for malformed input; the parser is then
 * unusable and the connection should be closed after the reply.
 */
export class RequestParser {
  /** proto-max-bulk-len. */
  maxBulkLength = 512 * 1024 * 1024;
  /** client-query-buffer-limit. */
  queryBufferLimit = 1024 * 1024 * 1024;
  /** True while the server requires AUTH and this client has not passed it. */
  authRequired = false;
  /** The replication link from our primary: no bulk or buffer limits, inline only as keepalive. */
  primaryLink = false;
  /** Counts empty inline lines; replicas send them as keepalives while loading. */
  emptyLines = 0;

  private buf: Buffer = EMPTY;
  private pos = 0;
  /** Bytes appended since the last parse, merged into `buf` lazily. */
  private tail: Buffer[] = [];
  private tailBytes = 0;
  /** Bytes from `pos` the current bulk needs before parsing can continue; 0 when unknown. */
  private waitingFor = 0;
  /** The multibulk command being assembled, with arguments still to read. */
  private argv: string[] | null = null;
  private argsLeft = 0;
  private bulkLength = -1;

  /** Bytes received and not yet framed into commands (Redis's qbuf). */
  get bufferedBytes(): number {
    return this.buf.length - this.pos + this.tailBytes;
  }

  append(chunk: Buffer): void {
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    if (!this.primaryLink && this.bufferedBytes > this.queryBufferLimit) {
      throw new ProtocolError('max query buffer length', false);
    }
  }

  /** The next complete command, or null if more bytes are needed. */
  next(): string[] | null {
    if (this.tailBytes > 0) {
      if (this.waitingFor > this.bufferedBytes) return null;
      this.mergeTail();
      this.waitingFor = 0;
    }
    for (;;) {
      const buf = this.buf;
      let pos = this.pos;
      if (this.argv === null) {
        if (pos >= buf.length) return null;
        if (buf[pos] !== STAR) {
          const args = this.nextInline();
          if (args === null) return null;
          if (args.length === 0) continue;
          return args;
        }
        const cr = this.findLineEnd(pos, 'too big mbulk count string');
        if (cr < 0) return null;
        const count = parseLongLong(buf, pos + 1, cr);
        if (Number.isNaN(count) || count > MAX_MULTIBULK_COUNT) {
          throw new ProtocolError('invalid multibulk length');
        }
        if (count > UNAUTHENTICATED_MAX_ARGS && this.authRequired) {
          throw new ProtocolError('unauthenticated multibulk length');
        }
        pos = cr + 2;
        this.pos = pos;
        if (count <= 0) continue;
        this.argv = [];
        this.argsLeft = count;
      }
      const argv = this.argv;
      while (this.argsLeft > 0) {
        if (this.bulkLength < 0) {
          if (pos >= buf.length) {
            this.pos = pos;
            return null;
          }
          // Redis looks for the end of the line before it checks the '$'.
          const cr = this.findLineEnd(pos, 'too big bulk count string');
          if (cr < 0) {
            this.pos = pos;
            return null;
          }
          if (buf[pos] !== DOLLAR) {
            throw new ProtocolError(`expected '$', got '${String.fromCharCode(buf[pos])}'`);
          }
          const length = parseLongLong(buf, pos + 1, cr);
          if (Number.isNaN(length) || length < 0 || length > MAX_ARGUMENT_LENGTH || (!this.primaryLink && length > this.maxBulkLength)) {
            throw new ProtocolError('invalid bulk length');
          }
          if (length > UNAUTHENTICATED_MAX_BULK && this.authRequired) {
            throw new ProtocolError('unauthenticated bulk length');
          }
          pos = cr + 2;
          this.bulkLength = length;
        }
        const end = pos + this.bulkLength;
        if (end + 2 > buf.length) {
          this.pos = pos;
          this.waitingFor = this.bulkLength + 2;
          return null;
        }
        argv.push(argv.length === 0 ? commandName(buf, pos, end) : latin1Slice(buf, pos, end));
        pos = end + 2;
        this.bulkLength = -1;
        this.argsLeft--;
      }
      this.pos = pos;
      this.argv = null;
      return argv;
    }
  }

  private mergeTail(): void {
    const rest = this.buf.length - this.pos;
    if (rest === 0 && this.tail.length === 1) {
      this.buf = this.tail[0];
    } else {
      const parts = rest === 0 ? this.tail : [this.buf.subarray(this.pos), ...this.tail];
      this.buf = Buffer.concat(parts, rest + this.tailBytes);
    }
    this.pos = 0;
    this.tail = [];
    this.tailBytes = 0;
  }

  /**
   * Position of the '\r' ending the header line at `start`, or -1 when the line (and the '\n'
   * after it) has not fully arrived. Like Redis's strchr on the query buffer, a NUL byte hides
   * anything after it.
   */
  private findLineEnd(start: number, tooBig: string): number {
    const buf = this.buf;
    let cr = -1;
    for (let i = start; i < buf.length; i++) {
      const c = buf[i];
      if (c === CR) {
        cr = i;
        break;
      }
      if (c === 0) break;
    }
    if (cr < 0) {
      if (buf.length - start > INLINE_MAX_SIZE) throw new ProtocolError(tooBig);
      return -1;
    }
    return cr + 1 < buf.length ? cr : -1;
  }

  private nextInline(): string[] | null {
    const buf = this.buf;
    const start = this.pos;
    let newline = buf.indexOf(LF, start);
    if (newline !== -1) {
      const nul = buf.indexOf(0, start);
      if (nul !== -1 && nul < newline) newline = -1;
    }
    if (newline === -1) {
      if (buf.length - start > INLINE_MAX_SIZE) throw new ProtocolError('too big inline request');
      return null;
    }
    const end = newline > start && buf[newline - 1] === CR ? newline - 1 : newline;
    const args = splitInlineArgs(buf, start, end);
    if (args === null) throw new ProtocolError('unbalanced quotes in request');
    if (end === start) this.emptyLines++;
    else if (this.primaryLink) throw new ProtocolError('Master using the inline protocol. Desync?', false);
    this.pos = newline + 1;
    return args;
  }
}

/**
 * Redis's string2ll on buf[start, end): an optional '-', no leading zeros, no '+', at most 20
 * characters, within a signed 64-bit range. NaN when invalid. Values beyond 2^53 lose precision,
 * which is harmless here: every caller rejects them by a smaller bound.
 */
export function parseLongLong(buf: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length === 0 || length >= 21) return NaN;
  if (length === 1 && buf[start] === 0x30) return 0;
  let p = start;
  let negative = false;
  if (buf[p] === 0x2d) {
    negative = true;
    p++;
    if (p === end) return NaN;
  }
  let c = buf[p];
  if (c < 0x31 || c > 0x39) return NaN;
  let value = c - 0x30;
  for (p++; p < end; p++) {
    c = buf[p];
    if (c < 0x30 || c > 0x39) return NaN;
    value = value * 10 + (c - 0x30);
  }
  if (value > 9.2e18) {
    const exact = BigInt(Buffer.from(buf.subarray(start, end)).toString('latin1'));
    if (exact > 9223372036854775807n || exact < -9223372036854775808n) return NaN;
  }
  return negative ? -value : value;
}

/**
 * Command names repeat on every request; returning the same string for the same bytes saves
 * creating it and lets the command table's lookup reuse the string's cached hash. A small
 * direct-mapped cache shared by all clients, keyed by a hash of the bytes.
 */
const NAME_CACHE_SIZE = 128;
const MAX_CACHED_NAME = 24;
const nameCache: (string | undefined)[] = new Array<string | undefined>(NAME_CACHE_SIZE);

function commandName(buf: Buffer, start: number, end: number): string {
  const length = end - start;
  if (length > MAX_CACHED_NAME) return latin1Slice(buf, start, end);
  let hash = length;
  for (let i = start; i < end; i++) hash = (Math.imul(hash, 31) + buf[i]) | 0;
  const slot = (hash ^ (hash >>> 7)) & (NAME_CACHE_SIZE - 1);
  const cached = nameCache[slot];
  if (cached !== undefined && cached.length === length) {
    let same = true;
    for (let i = 0; i < length; i++) {
      if (cached.charCodeAt(i) !== buf[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return cached;
  }
  const name = latin1Slice(buf, start, end);
  nameCache[slot] = name;
  return name;
}
