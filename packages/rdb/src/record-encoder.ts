import { HashValue, ListValue, NO_EXPIRY, type PackedFormat, type RedisValue, SetValue, ZSetValue } from '@understudy/engine';
import { Opcode, QuicklistContainer, RdbType } from './format.js';
import { encodeIntset } from './intset.js';
import { encodeListpack, encodeScoredListpack, listpackBuilder, listpackEntryBound } from './listpack.js';
import { liveSource, type RecordSource } from './record-source.js';
import { RdbWriter } from './writer.js';

/** Redis packs list nodes up to 8 KiB (list-max-listpack-size -2). */
const LIST_NODE_BYTES = 8192;
/** Sizing a list node is a fraction of the cost of writing it; count it so in the budget. */
const SIZING_COST_DIVISOR = 8;

/**
 * Writes one key record in the RDB type redis-server 7.0 uses for the value's encoding:
 * strings as type 0, lists as quicklist v2 of listpack nodes, intsets, listpack hashes and
 * sorted sets, and the hash-table forms for large sets, hashes and sorted sets.
 *
 * Large values are written in steps, so that a snapshot can yield between them. The source
 * must give the same elements at the same positions from one step to the next; a snapshot
 * swaps in a frozen copy (`source`) before the live value changes.
 */
export class RecordEncoder {
  /** Where the next step reads from; replaced by a frozen copy when the live value changes. */
  source: RecordSource;
  private started = false;
  /** Elements written so far (list: elements sized, then elements written). */
  private position = 0;
  /** List records: the first element of each node, computed before the node count goes out. */
  private nodeStarts: number[] | null = null;
  private sized = 0;
  private nodeBytes = 0;
  private nextNode = 0;
  private finished = false;

  constructor(
    private readonly writer: RdbWriter,
    readonly key: string,
    source: RecordSource,
    readonly expireAt: number,
  ) {
    this.source = source;
  }

  /**
   * Writes up to about `budget` more elements; true when the record is complete. Compact
   * values and strings always complete in one step.
   */
  step(budget = Infinity): boolean {
    if (this.finished) return true;
    const source = this.source;
    switch (source.kind) {
      case 'string':
        this.header(RdbType.string);
        this.writer.string(source.value);
        return this.finish();
      case 'intset':
        this.header(RdbType.setIntset);
        this.writer.blob(encodeIntset(source.members));
        return this.finish();
      case 'hash-listpack':
        this.header(RdbType.hashListpack);
        this.writer.blob(encodeListpack(source.entries, false));
        return this.finish();
      case 'zset-listpack':
        this.header(RdbType.zsetListpack);
        this.writer.blob(encodeScoredListpack(source.members, source.scores, false));
        return this.finish();
      case 'set':
        return this.elements(RdbType.set, source.size, budget, (from, to) => {
          for (let i = from; i < to; i++) this.writer.string(source.member(i));
        });
      case 'hash':
        return this.elements(RdbType.hash, source.size, budget, (from, to) => {
          for (let i = from; i < to; i++) {
            this.writer.string(source.field(i));
            this.writer.string(source.value(i));
          }
        });
      case 'zset':
        return this.elements(RdbType.zset2, source.size, budget, (from, to) => {
          for (let i = from; i < to; i++) {
            this.writer.string(source.member(i));
            this.writer.double(source.score(i));
          }
        });
      case 'list':
        return this.list(source, budget);
    }
  }

  private header(type: number): void {
    if (this.started) return;
    this.started = true;
    writeRecordHeader(this.writer, type, this.key, this.expireAt);
  }

  /** Hash-table sets, hashes and sorted sets: a count, then the elements, a run per step. */
  private elements(type: number, size: number, budget: number, write: (from: number, to: number) => void): boolean {
    if (!this.started) {
      this.header(type);
      this.writer.length(size);
    }
    const to = Math.min(size, this.position + budget);
    write(this.position, to);
    this.position = to;
    return to === size ? this.finish() : false;
  }

  /**
   * Quicklist v2: the node count comes first, so node boundaries (about 8 KiB of listpack
   * each, one element at least) are measured first, then the nodes are written.
   */
  private list(source: Extract<RecordSource, { kind: 'list' }>, budget: number): boolean {
    const size = source.size;
    if (this.nodeStarts === null) this.nodeStarts = [0];
    const starts = this.nodeStarts;
    let remaining = budget * SIZING_COST_DIVISOR;
    while (this.sized < size && remaining-- > 0) {
      const bytes = listpackEntryBound(source.item(this.sized));
      if (this.nodeBytes > 0 && this.nodeBytes + bytes > LIST_NODE_BYTES) {
        starts.push(this.sized);
        this.nodeBytes = 0;
      }
      this.nodeBytes += bytes;
      this.sized++;
    }
    if (this.sized < size) return false;
    if (!this.started) {
      this.header(RdbType.listQuicklist2);
      this.writer.length(starts.length);
    }
    let written = 0;
    while (this.nextNode < starts.length && written < budget) {
      const from = starts[this.nextNode];
      const to = this.nextNode + 1 < starts.length ? starts[this.nextNode + 1] : size;
      const items = new Array<string>(to - from);
      for (let i = from; i < to; i++) items[i - from] = source.item(i);
      this.writer.length(QuicklistContainer.packed);
      this.writer.blob(encodeListpack(items, false));
      written += to - from;
      this.nextNode++;
    }
    return this.nextNode === starts.length ? this.finish() : false;
  }

  private finish(): true {
    this.finished = true;
    return true;
  }
}

/** What comes before a value: its expiry, if any, the type byte and the key. */
function writeRecordHeader(writer: RdbWriter, type: number, key: string, expireAt: number): void {
  if (expireAt !== NO_EXPIRY) {
    writer.byte(Opcode.expireTimeMs);
    writer.int64(expireAt);
  }
  writer.byte(type);
  writer.string(key);
}

/**
 * Writes a whole record at once (SAVE, a snapshot's small values). Strings, most records, go
 * straight out without an encoder.
 */
export function writeRecord(writer: RdbWriter, key: string, value: RedisValue, expireAt: number): void {
  if (typeof value === 'string') {
    writeRecordHeader(writer, RdbType.string, key, expireAt);
    writer.string(value);
    return;
  }
  if (writeCompactRecord(writer, key, value, expireAt)) return;
  new RecordEncoder(writer, key, liveSource(value), expireAt).step();
}

/**
 * The records of small collections, the bulk of a snapshot's records after strings, straight
 * from the value: the same bytes as RecordEncoder's, without the source, its closures and the
 * arrays of elements it collects, which cost the walk time and the young generation garbage.
 * False for values it leaves to RecordEncoder (intsets, large values, lists over one node).
 */
function writeCompactRecord(writer: RdbWriter, key: string, value: Exclude<RedisValue, string>, expireAt: number): boolean {
  const listpack = listpackBuilder;
  if (value instanceof HashValue) {
    if (!value.isListpack) return false;
    writeRecordHeader(writer, RdbType.hashListpack, key, expireAt);
    listpack.begin();
    for (let i = 0; i < value.size; i++) {
      listpack.entry(value.fieldAt(i));
      listpack.entry(value.valueAt(i));
    }
    writer.blob(listpack.finish(false));
    return true;
  }
  if (value instanceof ZSetValue) {
    if (!value.isListpack) return false;
    writeRecordHeader(writer, RdbType.zsetListpack, key, expireAt);
    listpack.begin();
    if (value.size > 0) value.order.visit(0, value.size - 1, addScoredEntry);
    writer.blob(listpack.finish(false));
    return true;
  }
  if (value instanceof ListValue) {
    const size = value.length;
    if (size > SMALL_RECORD_ELEMENTS) return false;
    let bytes = 0;
    for (let i = 0; i < size; i++) bytes += listpackEntryBound(value.at(i));
    // One node holds them all when RecordEncoder's sizing would not start a second.
    if (bytes > LIST_NODE_BYTES && size > 1) return false;
    writeRecordHeader(writer, RdbType.listQuicklist2, key, expireAt);
    writer.length(1);
    writer.length(QuicklistContainer.packed);
    listpack.begin();
    for (let i = 0; i < size; i++) listpack.entry(value.at(i));
    writer.blob(listpack.finish(false));
    return true;
  }
  if (value instanceof SetValue) {
    if (value.isIntset || value.size > SMALL_RECORD_ELEMENTS) return false;
    writeRecordHeader(writer, RdbType.set, key, expireAt);
    writer.length(value.size);
    for (let i = 0; i < value.size; i++) writer.string(value.memberAt(i));
    return true;
  }
  return false;
}

/** Lists and hash-table sets this small are written by writeCompactRecord in one go. */
export const SMALL_RECORD_ELEMENTS = 128;

/** A sorted set's listpack in rank order, from ScoreIndex.visit: member, then score. */
function addScoredEntry(score: number, member: string): void {
  listpackBuilder.entry(member);
  listpackBuilder.score(score);
}

/**
 * A record from the bytes a database keeps of its value (Database.storedBytes): a string, the
 * same record as writeRecord's, or, with its `format`, a packed value, whose bytes are the
 * record's payload as the file it came from held it.
 */
export function writeStoredRecord(writer: RdbWriter, key: string, format: PackedFormat | null, bytes: Uint8Array, expireAt: number): void {
  writeRecordHeader(writer, format === null ? RdbType.string : format.tag, key, expireAt);
  if (format === null) writer.blob(bytes);
  else writer.bytes(bytes);
}

/** The same record, its bytes left in a slab cell for the encoder to copy (RdbWriter.cell). */
export function writeCellRecord(
  writer: RdbWriter,
  key: string,
  format: PackedFormat | null,
  page: number,
  offset: number,
  length: number,
  expireAt: number,
): void {
  writeRecordHeader(writer, format === null ? RdbType.string : format.tag, key, expireAt);
  writer.cell(page, offset, length, format === null);
}

/**
 * Bytes the value alone takes in an RDB file (DEBUG OBJECT's serializedlength): the record
 * without its type byte and key.
 */
export function serializedLength(value: RedisValue, compression: boolean): number {
  const writer = new RdbWriter(compression);
  // An empty key is one length byte; with the type byte, two bytes to leave out.
  writeRecord(writer, '', value, NO_EXPIRY);
  return writer.pendingBytes - 2;
}
