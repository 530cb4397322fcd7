import { type EngineLimits, type PackedFormat, type RedisValue, StringSlab } from '@understudy/engine';
import { Cursor } from './cursor.js';
import { decodeValue } from './decode-value.js';
import { QuicklistContainer, RdbType } from './format.js';
import { ListpackReader } from './listpack.js';
import { NeedMoreData } from './rdb-error.js';

/**
 * Values a loader may keep as the bytes the file held them in (see PackedFormat): the
 * collections of small and mid-sized datasets, in the types redis-server 7.0 writes them in.
 * A packed value's bytes are its record's payload, everything after the key, so a save writes
 * them out again as they are.
 */
const unpackCursor = new Cursor();

function packedFormat(type: PackedFormat['type'], tag: number): PackedFormat {
  return {
    type,
    tag,
    unpack(bytes: Buffer, limits: EngineLimits): RedisValue {
      unpackCursor.reset(bytes, 0);
      try {
        const value = decodeValue(unpackCursor, tag, 0, limits);
        if (value === null || unpackCursor.position !== bytes.length) throw new Error(`packed ${type} of ${bytes.length} bytes does not decode whole`);
        return value;
      } finally {
        unpackCursor.release();
      }
    },
  };
}

/** The packed format of each RDB type that has one. */
export const PACKED_FORMATS: readonly (PackedFormat | undefined)[] = (() => {
  const formats: (PackedFormat | undefined)[] = [];
  formats[RdbType.set] = packedFormat('set', RdbType.set);
  formats[RdbType.hashListpack] = packedFormat('hash', RdbType.hashListpack);
  formats[RdbType.zsetListpack] = packedFormat('zset', RdbType.zsetListpack);
  formats[RdbType.listQuicklist2] = packedFormat('list', RdbType.listQuicklist2);
  return formats;
})();

/** Room for the hashes of a packed value's members: no payload the slab keeps has more. */
const FILTER_CAPACITY = 2 * StringSlab.maxLength;
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
/** Starts the hash of an integer member apart from that of a string member. */
const INTEGER_SEED = 0x5bd1e995 | 0;

/**
 * Remembers the 32-bit hashes of the members seen so far. Two members with one hash may be
 * the same member: the scan then leaves the value to the decoder, which tells for certain.
 */
class DuplicateFilter {
  private readonly hashes = new Int32Array(FILTER_CAPACITY);
  /** Which begin() a slot was filled after; older slots count as empty, so none is cleared. */
  private readonly stamps = new Uint32Array(FILTER_CAPACITY);
  private stamp = 0;
  private mask = 0;
  private room = 0;

  /** Forgets all members; up to `bound` of them may be added next. */
  begin(bound: number): void {
    if (++this.stamp === 0xffffffff) {
      this.stamps.fill(0);
      this.stamp = 1;
    }
    let size = 16;
    while (size < 2 * bound && size < FILTER_CAPACITY) size *= 2;
    this.mask = size - 1;
    this.room = size >> 1;
  }

  /** False when a member of this hash was added already, or the table is half full. */
  add(hash: number): boolean {
    if (this.room-- === 0) return false;
    const { hashes, stamps, stamp, mask } = this;
    let slot = hash & mask;
    while (stamps[slot] === stamp) {
      if (hashes[slot] === hash) return false;
      slot = (slot + 1) & mask;
    }
    stamps[slot] = stamp;
    hashes[slot] = hash;
    return true;
  }
}

function hashBytes(bytes: Buffer, start: number, length: number): number {
  let hash = FNV_OFFSET;
  for (let i = start, end = start + length; i < end; i++) hash = Math.imul(hash ^ bytes[i], FNV_PRIME);
  return hash;
}

/** A safe integer's hash, from its low and high 32 bits. */
function hashInteger(value: number): number {
  const low = value % 4294967296 | 0;
  const high = Math.floor(value / 4294967296) | 0;
  return Math.imul(Math.imul(INTEGER_SEED ^ low, FNV_PRIME) ^ high, FNV_PRIME);
}

/**
 * Text that may be an integer's decimal form ("-12", but also "007"). A member stored that way
 * could equal one stored as an integer; such values are left to the decoder.
 */
function maybeInteger(bytes: Buffer, start: number, length: number): boolean {
  if (length === 0 || length > 20) return false;
  let i = start;
  if (bytes[i] === 0x2d && length > 1) i++;
  for (const end = start + length; i < end; i++) if (bytes[i] < 0x30 || bytes[i] > 0x39) return false;
  return true;
}

function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}

/**
 * Score text the decoder certainly reads as a number: [+-] then inf, infinity, or decimal
 * digits with an optional fraction and exponent. Anything else is left to the decoder.
 */
function isScoreText(bytes: Buffer, start: number, length: number): boolean {
  const end = start + length;
  let i = start;
  if (i < end && (bytes[i] === 0x2b || bytes[i] === 0x2d)) i++;
  if (i < end && (bytes[i] | 0x20) === 0x69) return isInfinity(bytes, i, end);
  let digits = 0;
  while (i < end && isDigit(bytes[i])) (i++, digits++);
  if (i < end && bytes[i] === 0x2e) {
    i++;
    while (i < end && isDigit(bytes[i])) (i++, digits++);
  }
  if (digits === 0) return false;
  if (i < end && (bytes[i] | 0x20) === 0x65) {
    i++;
    if (i < end && (bytes[i] === 0x2b || bytes[i] === 0x2d)) i++;
    let exponent = 0;
    while (i < end && isDigit(bytes[i])) (i++, exponent++);
    if (exponent === 0) return false;
  }
  return i === end;
}

const INFINITY = Buffer.from('infinity', 'latin1');

/** "inf" or "infinity", in any case, from `start` to `end`. */
function isInfinity(bytes: Buffer, start: number, end: number): boolean {
  const length = end - start;
  if (length !== 3 && length !== 8) return false;
  for (let i = 0; i < length; i++) if ((bytes[start + i] | 0x20) !== INFINITY[i]) return false;
  return true;
}

/**
 * Decides, without making a string or an object, whether a record's value can stay packed:
 * walks its payload checking everything the decoder would (listpack structure, node
 * containers, duplicate members, scores) and accepts only what the decoder would certainly
 * accept, non-empty, and small enough for the slab. Whatever it doubts, it refuses, and the
 * caller decodes the value at once, so a corrupt value is refused with the decoder's error.
 */
export class PackableScan {
  private readonly listpack = new ListpackReader();
  private readonly members = new DuplicateFilter();

  /**
   * True when the payload of a record of `type` at the cursor can stay packed; the cursor is
   * then past it. On false the cursor is anywhere in it. Throws only NeedMoreData.
   */
  scan(cursor: Cursor, type: number): boolean {
    const start = cursor.position;
    let packable: boolean;
    try {
      packable = this.payload(cursor, type, start + StringSlab.maxLength);
    } catch (error) {
      if (error instanceof NeedMoreData) throw error;
      // Malformed: the decoder says how.
      return false;
    }
    return packable && StringSlab.holds(cursor.position - start);
  }

  private payload(cursor: Cursor, type: number, limit: number): boolean {
    switch (type) {
      case RdbType.set:
        return this.set(cursor, limit);
      case RdbType.hashListpack:
        return this.pairs(cursor, false, limit);
      case RdbType.zsetListpack:
        return this.pairs(cursor, true, limit);
      case RdbType.listQuicklist2:
        return this.quicklist(cursor, limit);
      default:
        return false;
    }
  }

  /** A set as a count and its members as RDB strings. */
  private set(cursor: Cursor, limit: number): boolean {
    const count = cursor.length();
    if (count === 0 || count > StringSlab.maxLength) return false;
    this.members.begin(count);
    for (let i = 0; i < count; i++) {
      if (cursor.position > limit) return false;
      if (!this.addMember(cursor)) return false;
    }
    return true;
  }

  private addMember(cursor: Cursor): boolean {
    if (cursor.stringSpan()) return this.members.add(hashInteger(cursor.spanInteger));
    const { spanBuffer, spanStart, spanLength } = cursor;
    if (maybeInteger(spanBuffer, spanStart, spanLength)) return false;
    return this.members.add(hashBytes(spanBuffer, spanStart, spanLength));
  }

  /** A listpack of members (or fields) and scores (or values), alternating. */
  private pairs(cursor: Cursor, scored: boolean, limit: number): boolean {
    if (cursor.stringSpan() || cursor.position > limit) return false;
    const listpack = this.listpack;
    listpack.reset(cursor.spanBuffer, cursor.spanStart, cursor.spanLength);
    // A pair takes four bytes at least.
    this.members.begin(cursor.spanLength >> 2);
    while (listpack.next()) {
      if (listpack.count % 2 === 1) {
        if (!this.addEntry(listpack)) return false;
      } else if (scored && !listpack.isInteger && !isScoreText(listpack.blob, listpack.textStart, listpack.textLength)) {
        return false;
      }
    }
    return listpack.count > 0 && listpack.count % 2 === 0;
  }

  private addEntry(listpack: ListpackReader): boolean {
    if (listpack.isInteger) return !Number.isNaN(listpack.integer) && this.members.add(hashInteger(listpack.integer));
    const { blob, textStart, textLength } = listpack;
    if (maybeInteger(blob, textStart, textLength)) return false;
    return this.members.add(hashBytes(blob, textStart, textLength));
  }

  /** A list as quicklist nodes: listpacks, or single elements stored plain. */
  private quicklist(cursor: Cursor, limit: number): boolean {
    const nodes = cursor.length();
    let elements = 0;
    for (let i = 0; i < nodes; i++) {
      if (cursor.position > limit) return false;
      const container = cursor.length();
      if (cursor.stringSpan()) return false;
      if (container === QuicklistContainer.plain) {
        elements++;
      } else if (container === QuicklistContainer.packed) {
        const listpack = this.listpack;
        listpack.reset(cursor.spanBuffer, cursor.spanStart, cursor.spanLength);
        while (listpack.next());
        elements += listpack.count;
      } else {
        return false;
      }
    }
    return elements > 0;
  }
}
