import { parseInteger } from '@understudy/engine';
import { formatDouble, latin1Slice, latin1Write } from '@understudy/protocol';

/**
 * Listpack, Redis 7's compact sequence: a 4-byte total size, a 2-byte element count, entries,
 * and a 0xFF terminator. Each entry is an encoding byte (integers of 7, 13, 16, 24, 32 or 64
 * bits, or strings with 6, 12 or 32-bit lengths), its data, and a "backlen" that gives the
 * entry's size again so the list can be walked backwards.
 *
 * Canonical integers are stored as integers, exactly as Redis chooses, because validators
 * recompute sizes and the files should match what redis-server writes.
 */

const TERMINATOR = 0xff;
const HEADER_SIZE = 6;
const UNKNOWN_COUNT = 65535;
const EMPTY = Buffer.alloc(0);

/** Size of the backlen field for an entry of `length` bytes (Redis's exact thresholds). */
function backlenSize(length: number): number {
  if (length <= 127) return 1;
  if (length < 16383) return 2;
  if (length < 2097151) return 3;
  if (length < 268435455) return 4;
  return 5;
}

/** Bytes of encoding + data for an integer entry. */
function integerSize(value: number): number {
  if (value >= 0 && value <= 127) return 1;
  if (value >= -4096 && value <= 4095) return 2;
  if (value >= -32768 && value <= 32767) return 3;
  if (value >= -8388608 && value <= 8388607) return 4;
  if (value >= -2147483648 && value <= 2147483647) return 5;
  return 9;
}

/** Bytes a string entry of `length` takes: encoding, data, backlen. */
function stringEntrySize(length: number): number {
  const size = (length < 64 ? 1 : length < 4096 ? 2 : 5) + length;
  return size + backlenSize(size);
}

/**
 * At least the bytes one entry takes in a listpack, backlen included: its size as a string.
 * An integer entry takes less, so node sizing can skip parsing numbers.
 */
export function listpackEntryBound(entry: string): number {
  return stringEntrySize(entry.length);
}

/**
 * Writes listpack entries straight into a buffer reused from one blob to the next, and fills
 * in the header (total size, count) at the end, so a blob costs no pass to size it first.
 * Not reentrant: one blob is built at a time, start to finish, by synchronous code.
 */
class ListpackBuilder {
  private out: Buffer = Buffer.allocUnsafe(16 * 1024);
  private at = HEADER_SIZE;
  private count = 0;

  begin(): void {
    this.at = HEADER_SIZE;
    this.count = 0;
  }

  /** An entry as Redis stores it: canonical integers as integers, anything else as a string. */
  entry(text: string): void {
    const value = text.length <= 20 ? parseInteger(text) : NaN;
    if (Number.isNaN(value)) this.string(text);
    else this.integer(value, text);
  }

  /**
   * A sorted-set score. Redis stores integral scores as integers and others as text; any text
   * that reads back as the same double is equivalent to a loader. Scores with up to
   * MAX_FRACTION_DIGITS decimals are written digit by digit without making a string.
   */
  score(score: number): void {
    if (Number.isSafeInteger(score)) {
      // Safe integers need no text: writeInteger reads it only past 2^53.
      this.integer(score, '');
      return;
    }
    if (!this.decimal(score)) this.entry(Number.isFinite(score) ? String(score) : formatDouble(score));
  }

  /** The blob: a view of the reused buffer unless `copy`, valid until the next begin(). */
  finish(copy: boolean): Buffer {
    this.reserve(1);
    const out = this.out;
    out[this.at] = TERMINATOR;
    const total = this.at + 1;
    out.writeUInt32LE(total, 0);
    out.writeUInt16LE(this.count < UNKNOWN_COUNT ? this.count : UNKNOWN_COUNT, 4);
    const blob = out.subarray(0, total);
    return copy ? Buffer.from(blob) : blob;
  }

  private reserve(bytes: number): void {
    if (this.at + bytes <= this.out.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.at + bytes, this.out.length * 2));
    this.out.copy(grown, 0, 0, this.at);
    this.out = grown;
  }

  private string(text: string): void {
    const length = text.length;
    this.reserve(stringEntrySize(length));
    const out = this.out;
    const start = this.at;
    let at = start;
    if (length < 64) {
      out[at++] = 0x80 | length;
    } else if (length < 4096) {
      out[at++] = 0xe0 | (length >> 8);
      out[at++] = length & 0xff;
    } else {
      out[at++] = 0xf0;
      out.writeUInt32LE(length, at);
      at += 4;
    }
    latin1Write(out, text, at);
    this.ended(start, at + length);
  }

  private integer(value: number, text: string): void {
    this.reserve(16);
    const start = this.at;
    this.ended(start, writeInteger(this.out, start, value, text));
  }

  /**
   * A non-integral score with few decimals, as text: the smallest k for which score * 10^k is
   * an integer m with m / 10^k === score. The text then denotes m / 10^k exactly, whose
   * correctly rounded double is the score. False when no k up to MAX_FRACTION_DIGITS works.
   */
  private decimal(score: number): boolean {
    let k = 1;
    let scale = 10;
    let m = score * scale;
    while (!(Number.isInteger(m) && m / scale === score)) {
      if (++k > MAX_FRACTION_DIGITS) return false;
      scale *= 10;
      m = score * scale;
    }
    if (!Number.isSafeInteger(m)) return false;
    let magnitude = Math.abs(m);
    // Below 2^31 the digits come from int32 arithmetic: a double % is a call to fmod, and the
    // scores of most sorted sets take this path, two divisions per digit.
    const small = magnitude <= 0x7fffffff;
    let digits = 0;
    if (small) for (let rest = magnitude; rest > 0; rest = (rest / 10) | 0) digits++;
    else for (let rest = magnitude; rest >= 1; rest = Math.floor(rest / 10)) digits++;
    // Sign, "0." when all digits are decimals, leading zeros of the fraction, the point.
    const wholeDigits = Math.max(1, digits - k);
    const length = (m < 0 ? 1 : 0) + wholeDigits + 1 + k;
    this.reserve(stringEntrySize(length));
    const out = this.out;
    const start = this.at;
    out[start] = 0x80 | length;
    let at = start + 1 + length;
    // Digits from the last one, the point after the k decimals.
    const count = k + wholeDigits;
    if (small) {
      let rest = magnitude | 0;
      for (let i = 0; i < count; i++) {
        if (i === k) out[--at] = 0x2e;
        const next = (rest / 10) | 0;
        out[--at] = 0x30 + rest - next * 10;
        rest = next;
      }
    } else {
      for (let i = 0; i < count; i++) {
        if (i === k) out[--at] = 0x2e;
        const digit = magnitude % 10;
        out[--at] = 0x30 + digit;
        magnitude = (magnitude - digit) / 10;
      }
    }
    if (m < 0) out[--at] = 0x2d;
    this.ended(start, start + 1 + length);
    return true;
  }

  /** An entry spans [start, end): its backlen follows. */
  private ended(start: number, end: number): void {
    this.at = writeBacklen(this.out, end, end - start);
    this.count++;
  }
}

/** Decimals a score may have to take ListpackBuilder's digit-by-digit path. */
const MAX_FRACTION_DIGITS = 6;

const builder = new ListpackBuilder();

/**
 * The builder encodeListpack uses, for callers that add entries straight from a value instead
 * of collecting them into an array first: begin(), entries, then finish() before anything else
 * uses it.
 */
export const listpackBuilder: Pick<ListpackBuilder, 'begin' | 'entry' | 'score' | 'finish'> = builder;

/**
 * Encodes strings into a listpack blob. The result is a view of a buffer reused by the next
 * call unless `copy` is set: callers that consume it at once (writing it to a snapshot) skip
 * an allocation per blob.
 */
export function encodeListpack(entries: readonly string[], copy = true): Buffer {
  builder.begin();
  for (let i = 0; i < entries.length; i++) builder.entry(entries[i]);
  return builder.finish(copy);
}

/** A sorted set's listpack: members and scores alternating, in rank order (see ListpackBuilder.score). */
export function encodeScoredListpack(members: readonly string[], scores: readonly number[], copy = true): Buffer {
  builder.begin();
  for (let i = 0; i < members.length; i++) {
    builder.entry(members[i]);
    builder.score(scores[i]);
  }
  return builder.finish(copy);
}

function writeInteger(out: Buffer, at: number, value: number, text: string): number {
  switch (integerSize(value)) {
    case 1:
      out[at] = value;
      return at + 1;
    case 2: {
      const v = value & 0x1fff;
      out[at] = 0xc0 | (v >> 8);
      out[at + 1] = v & 0xff;
      return at + 2;
    }
    case 3:
      out[at] = 0xf1;
      out.writeInt16LE(value, at + 1);
      return at + 3;
    case 4:
      out[at] = 0xf2;
      out.writeIntLE(value, at + 1, 3);
      return at + 4;
    case 5:
      out[at] = 0xf3;
      out.writeInt32LE(value, at + 1);
      return at + 5;
    default:
      // Past 2^53 the number is rounded; the text has the exact value.
      out[at] = 0xf4;
      out.writeBigInt64LE(BigInt(Number.isSafeInteger(value) ? value : text), at + 1);
      return at + 9;
  }
}

function writeBacklen(out: Buffer, at: number, length: number): number {
  if (length <= 127) {
    out[at] = length;
    return at + 1;
  }
  const size = backlenSize(length);
  // Most significant 7-bit group first, every byte after the first flagged with bit 7.
  for (let i = size - 1; i >= 0; i--) {
    const group = Math.floor(length / 2 ** (7 * i)) & 0x7f;
    out[at++] = i === size - 1 ? group : group | 0x80;
  }
  return at;
}

/** Why a listpack blob was refused. */
export class ListpackError extends Error {}

/**
 * Walks a listpack entry by entry and makes nothing, checking as it goes what a loader must:
 * the total size, the terminator, every entry inside the blob, each backlen exact, the element
 * count when known. Each entry read is an integer (`integer`; for a 64-bit one past 2^53, NaN
 * with the value in `wide`) or the bytes blob[textStart, textStart + textLength).
 */
export class ListpackReader {
  blob: Buffer = EMPTY;
  isInteger = false;
  integer = 0;
  wide = 0n;
  textStart = 0;
  textLength = 0;
  /** Entries read so far. */
  count = 0;
  private at = 0;
  private end = 0;
  private declared = 0;

  /** Starts on the listpack in blob[start, start + length). */
  reset(blob: Buffer, start: number, length: number): void {
    if (length < HEADER_SIZE + 1) throw new ListpackError('listpack too small');
    if (blob.readUInt32LE(start) !== length) throw new ListpackError('listpack size mismatch');
    this.end = start + length - 1;
    if (blob[this.end] !== TERMINATOR) throw new ListpackError('listpack without terminator');
    this.blob = blob;
    this.declared = blob.readUInt16LE(start + 4);
    this.at = start + HEADER_SIZE;
    this.count = 0;
  }

  /** Reads the next entry; false at the terminator, once the count has been checked. */
  next(): boolean {
    const blob = this.blob;
    const at = this.at;
    if (at >= this.end) {
      if (at !== this.end) throw new ListpackError('listpack entries overrun the terminator');
      if (this.declared !== UNKNOWN_COUNT && this.declared !== this.count) throw new ListpackError('listpack element count mismatch');
      return false;
    }
    const first = blob[at];
    let size: number;
    this.isInteger = true;
    if ((first & 0x80) === 0) {
      this.integer = first;
      size = 1;
    } else if ((first & 0xc0) === 0x80) {
      size = this.text(at + 1, first & 0x3f);
    } else if ((first & 0xe0) === 0xc0) {
      this.need(at + 2);
      const value = ((first & 0x1f) << 8) | blob[at + 1];
      this.integer = value >= 4096 ? value - 8192 : value;
      size = 2;
    } else if ((first & 0xf0) === 0xe0) {
      this.need(at + 2);
      size = this.text(at + 2, ((first & 0x0f) << 8) | blob[at + 1]);
    } else if (first === 0xf0) {
      this.need(at + 5);
      size = this.text(at + 5, blob.readUInt32LE(at + 1));
    } else if (first === 0xf1) {
      this.need(at + 3);
      this.integer = blob.readInt16LE(at + 1);
      size = 3;
    } else if (first === 0xf2) {
      this.need(at + 4);
      this.integer = blob.readIntLE(at + 1, 3);
      size = 4;
    } else if (first === 0xf3) {
      this.need(at + 5);
      this.integer = blob.readInt32LE(at + 1);
      size = 5;
    } else if (first === 0xf4) {
      this.need(at + 9);
      const wide = blob.readBigInt64LE(at + 1);
      const narrow = Number(wide);
      this.integer = Number.isSafeInteger(narrow) ? narrow : NaN;
      this.wide = wide;
      size = 9;
    } else {
      throw new ListpackError(`invalid listpack entry encoding 0x${first.toString(16)}`);
    }
    const backlen = backlenSize(size);
    const backAt = at + size;
    this.need(backAt + backlen);
    let decoded = 0;
    for (let i = 0; i < backlen; i++) {
      const byte = blob[backAt + i];
      if ((i === 0) !== ((byte & 0x80) === 0)) throw new ListpackError('invalid listpack backlen');
      decoded = decoded * 128 + (byte & 0x7f);
    }
    if (decoded !== size) throw new ListpackError('listpack backlen mismatch');
    this.at = backAt + backlen;
    this.count++;
    return true;
  }

  /** The entry read last as text (integers in decimal). */
  entryText(): string {
    if (!this.isInteger) return latin1Slice(this.blob, this.textStart, this.textStart + this.textLength);
    return Number.isNaN(this.integer) ? this.wide.toString() : String(this.integer);
  }

  /** A string entry whose bytes start at `start`; returns the entry's size before its backlen. */
  private text(start: number, length: number): number {
    this.need(start + length);
    this.isInteger = false;
    this.textStart = start;
    this.textLength = length;
    return start + length - this.at;
  }

  private need(end: number): void {
    if (end > this.end) throw new ListpackError('listpack entry overruns the blob');
  }
}

const reader = new ListpackReader();

/** Decodes and validates a listpack (see ListpackReader); integers come back as decimal text. */
export function decodeListpack(blob: Buffer): string[] {
  reader.reset(blob, 0, blob.length);
  const entries: string[] = [];
  while (reader.next()) entries.push(reader.entryText());
  return entries;
}
