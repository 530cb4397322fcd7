import type { ActiveSnapshot, Keyspace } from './keyspace.js';
import { RedisError } from './errors.js';
import { StringSlab } from './string-slab.js';
import type { PackedFormat } from './values/packed-format.js';
import { encodingName, type RedisValue, type TypeName, typeName } from './values/value.js';

const INITIAL_CAPACITY = 16;
const DEL = 'DEL';
/** How a string was written, where that rather than its content decides its encoding. */
export const StringEncoding = { byContent: 0, raw: 1, notInteger: 2 } as const;
export type StringEncoding = (typeof StringEncoding)[keyof typeof StringEncoding];

/** What expiry-time accessors return for a key without an expiry (Redis's getExpire). */
export const NO_EXPIRY = -1;

/**
 * One of the numbered databases: keys, values, expiry times and the bookkeeping the snapshot
 * needs, in dense parallel arrays indexed by slot.
 *
 * Keys live in slots 0..size-1; deleting a key moves the last slot into the hole. That gives
 * O(1) random keys (RANDOMKEY), stateless SCAN cursors (scan slots from the top down: a key
 * present throughout is never skipped) and a per-slot snapshot mark without an object per key.
 *
 * Every change to the keyspace goes through the methods in the "mutation API" section below.
 * Each calls `beforeChange` while the old value is still in place, which is where a running
 * snapshot serializes keys it has not reached yet. With no snapshot running the check is one
 * field load and compare.
 */
export class Database {
  /** This database's number; SWAPDB exchanges Database objects and renumbers them. */
  index: number;

  private readonly slots = new Map<string, number>();
  private keys: string[] = [];
  /**
   * Values by slot; a number is the handle of a cell in `strings`, holding a long string or,
   * where `packedKinds` says so, a packed value.
   */
  private values: (RedisValue | number)[] = [];
  private readonly strings = new StringSlab();
  /**
   * 0 for a slot whose value is not packed; otherwise 1 + the index in `packedFormats` of the
   * form its cell holds. A packed value is decoded, in place, the first time it is read.
   */
  private packedKinds = new Uint8Array(INITIAL_CAPACITY);
  private readonly packedFormats: PackedFormat[] = [];
  /**
   * Absolute expiry in unix ms; NaN for none, so that `expires[slot] < now` is the whole
   * expiry test on the lookup path.
   */
  private expires = new Float64Array(INITIAL_CAPACITY);
  /** Snapshot epoch in which the slot's key was last serialized or created. */
  private marks = new Uint32Array(INITIAL_CAPACITY);
  /** Keyspace LRU clock (seconds) of the last access, for OBJECT IDLETIME. */
  private accessed = new Uint32Array(INITIAL_CAPACITY);
  /**
   * How a string was last written, where that decides its encoding rather than its content:
   * APPEND and SETRANGE leave Redis a "raw" string, INCRBYFLOAT a non-integer one. Only
   * OBJECT ENCODING shows it.
   */
  private stringEncodings = new Uint8Array(INITIAL_CAPACITY);
  /** Keys that have an expiry, for the active expire cycle and INFO's expires= count. */
  private readonly volatileKeys = new Set<string>();
  private expireCursor: Iterator<string> | null = null;
  /**
   * The running snapshot that covers this database, set by the keyspace for the databases it
   * captured; read on every mutation, so it lives here rather than one hop away.
   */
  snapshot: ActiveSnapshot | null = null;

  constructor(
    private readonly keyspace: Keyspace,
    index: number,
  ) {
    this.index = index;
  }

  get size(): number {
    return this.keys.length;
  }

  get volatileCount(): number {
    return this.volatileKeys.size;
  }

  // ---- lookups --------------------------------------------------------------------------

  /**
   * The slot of a live key, or -1. A key is expired once the clock is past its expiry time
   * (strictly, as in Redis). An expired key is handled by the keyspace's expiry policy: deleted
   * (and a DEL propagated) on a primary, reported missing on a replica.
   */
  lookup(key: string): number {
    const slot = this.slots.get(key);
    if (slot === undefined) return -1;
    if (this.expires[slot] < this.keyspace.now && this.expireIfNeeded(slot)) return -1;
    this.accessed[slot] = this.keyspace.lruClock;
    return slot;
  }

  /** lookup() for commands that read, counting keyspace hits and misses. */
  lookupRead(key: string): number {
    const slot = this.lookup(key);
    if (slot < 0) this.keyspace.stats.keyspaceMisses++;
    else this.keyspace.stats.keyspaceHits++;
    return slot;
  }

  /** lookup() without updating the access time (OBJECT, TYPE). */
  lookupNoTouch(key: string): number {
    const slot = this.slots.get(key);
    if (slot === undefined) return -1;
    if (this.expires[slot] < this.keyspace.now && this.expireIfNeeded(slot)) return -1;
    return slot;
  }

  /** Bytes of the slab cells holding this database's long strings, which V8 does not report. */
  get slabUsedBytes(): number {
    return this.strings.usedBytes;
  }

  /** Bytes of buffers the slab holds, free cells included. */
  get slabReservedBytes(): number {
    return this.strings.reservedBytes;
  }

  /** The slot of a key whether or not it is logically expired, with no side effects. */
  peek(key: string): number {
    return this.slots.get(key) ?? -1;
  }

  value(slot: number): RedisValue {
    const value = this.values[slot];
    if (typeof value !== 'number') return value;
    return this.packedKinds[slot] === 0 ? this.strings.read(value) : this.unpack(slot, value);
  }

  /** The type of the value in a slot, without decoding a packed one. */
  typeName(slot: number): TypeName {
    const kind = this.packedKinds[slot];
    if (kind !== 0) return this.packedFormats[kind - 1].type;
    return typeof this.values[slot] === 'number' ? 'string' : typeName(this.values[slot] as RedisValue);
  }

  /** The form a packed value's bytes are in (see storedBytes), or null if the slot's value is not packed. */
  packedFormat(slot: number): PackedFormat | null {
    const kind = this.packedKinds[slot];
    return kind === 0 ? null : this.packedFormats[kind - 1];
  }

  /**
   * The bytes of a value kept in the slab, a long string or a packed value, for writers that
   * copy bytes (the snapshot) and need no value made; null for any other value. The view is
   * valid until the key next changes.
   */
  storedBytes(slot: number): Uint8Array | null {
    const value = this.values[slot];
    return typeof value === 'number' ? this.strings.view(value) : null;
  }

  /**
   * Where a value kept in the slab (see storedBytes) lives, for a snapshot whose worker copies
   * it from there: out[0] the page (an index into slabPages), out[1] the offset, out[2] the
   * length. False for any other value. While the slab holds freed cells (holdFreedStrings) the
   * cell is then referred to: freed, it waits until released.
   */
  locateStored(slot: number, out: Int32Array): boolean {
    const value = this.values[slot];
    if (typeof value !== 'number') return false;
    this.strings.refer(value);
    out[0] = this.strings.pageIndex(value);
    out[1] = this.strings.cellOffset(value);
    out[2] = this.strings.length(value);
    return true;
  }

  /** The slab's pages (SharedArrayBuffers), which locateStored refers to. */
  get slabPages(): readonly Buffer[] {
    return this.strings.pageBuffers;
  }

  /** The slab stops reusing freed cells that locateStored gave out until released (StringSlab.hold). */
  holdFreedStrings(): void {
    this.strings.hold();
  }

  /** A mark for releaseHeldStrings: every cell held until now. */
  get heldStringsMark(): number {
    return this.strings.heldMark;
  }

  releaseHeldStrings(mark: number): void {
    this.strings.releaseHeld(mark);
  }

  /** Ends holdFreedStrings: held cells are reusable again. */
  unholdFreedStrings(): void {
    this.strings.unhold();
  }

  /** Bytes of freed cells waiting for a snapshot's worker (holdFreedStrings). */
  get heldStringBytes(): number {
    return this.strings.heldBytes;
  }

  key(slot: number): string {
    return this.keys[slot];
  }

  /** Absolute expiry in unix ms, or NO_EXPIRY. */
  expireAt(slot: number): number {
    const expireAt = this.expires[slot];
    return Number.isNaN(expireAt) ? NO_EXPIRY : expireAt;
  }

  hasExpire(slot: number): boolean {
    return !Number.isNaN(this.expires[slot]);
  }

  idleSeconds(slot: number): number {
    return Math.max(0, this.keyspace.lruClock - this.accessed[slot]);
  }

  /** The encoding redis-server would report for the value in a slot (OBJECT ENCODING). */
  encoding(slot: number): string {
    const written = this.stringEncodings[slot];
    const value = this.value(slot);
    if (written === StringEncoding.raw) return 'raw';
    if (written === StringEncoding.notInteger) return (value as string).length <= 44 ? 'embstr' : 'raw';
    return encodingName(value);
  }

  /** Whether the key in a slot is past its expiry time (whatever the expiry policy). */
  isExpired(slot: number): boolean {
    return this.expires[slot] < this.keyspace.now;
  }

  // ---- mutation API ---------------------------------------------------------------------

  /** Adds a key that does not exist; returns its slot. */
  add(key: string, value: RedisValue, expireAt = NO_EXPIRY): number {
    const slot = this.keys.length;
    this.slots.set(key, slot);
    this.fill(slot, key, this.stored(value), 0, expireAt);
    this.keyspace.keyModified(this, key);
    this.keyspace.keyCreated(this, key);
    return slot;
  }

  /**
   * Adds a key read from a file into a database being filled aside, with one hash-table
   * operation instead of a lookup and an insert. Returns false if the key was already there;
   * the database is then no longer consistent and must be discarded (the file is refused).
   */
  addLoaded(key: string, value: RedisValue, expireAt: number): boolean {
    const slot = this.claimLoadedSlot(key);
    if (slot < 0) return false;
    this.fill(slot, key, this.stored(value), 0, expireAt);
    return true;
  }

  /**
   * addLoaded for a value left packed: `bytes` (copied, so the caller may reuse them) are in
   * `format`, and of a length the slab holds (StringSlab.holds).
   */
  addLoadedPacked(key: string, format: PackedFormat, bytes: Buffer, expireAt: number): boolean {
    const slot = this.claimLoadedSlot(key);
    if (slot < 0) return false;
    this.fill(slot, key, this.strings.storeBytes(bytes), this.packedKind(format), expireAt);
    return true;
  }

  /** The next slot for a loaded key, in one hash-table operation; -1 if the key was there (see addLoaded). */
  private claimLoadedSlot(key: string): number {
    const before = this.slots.size;
    const slot = this.keys.length;
    this.slots.set(key, slot);
    return this.slots.size === before ? -1 : slot;
  }

  private packedKind(format: PackedFormat): number {
    let index = this.packedFormats.indexOf(format);
    if (index < 0) index = this.packedFormats.push(format) - 1;
    return index + 1;
  }

  /** Sets up the new last slot, whose key the slot map already points at. */
  private fill(slot: number, key: string, stored: RedisValue | number, packedKind: number, expireAt: number): void {
    if (slot === this.expires.length) this.resize(slot * 2);
    this.keys.push(key);
    this.values.push(stored);
    this.packedKinds[slot] = packedKind;
    this.marks[slot] = this.keyspace.epoch;
    this.accessed[slot] = this.keyspace.lruClock;
    this.stringEncodings[slot] = StringEncoding.byContent;
    if (expireAt === NO_EXPIRY) {
      this.expires[slot] = NaN;
    } else {
      this.expires[slot] = expireAt;
      this.volatileKeys.add(key);
    }
  }

  /** Replaces an existing key's value (SET semantics): the expiry is cleared unless kept. */
  overwrite(slot: number, value: RedisValue, keepTtl: boolean): void {
    this.beforeChange(slot);
    this.release(slot);
    this.values[slot] = this.stored(value);
    this.packedKinds[slot] = 0;
    this.stringEncodings[slot] = StringEncoding.byContent;
    if (!keepTtl && !Number.isNaN(this.expires[slot])) {
      this.expires[slot] = NaN;
      this.volatileKeys.delete(this.keys[slot]);
    }
    this.keyspace.keyModified(this, this.keys[slot]);
  }

  /** Sets a key whether or not it exists, with the given expiry. Returns the slot. */
  set(key: string, value: RedisValue, expireAt = NO_EXPIRY): number {
    const slot = this.lookup(key);
    if (slot < 0) return this.add(key, value, expireAt);
    this.overwrite(slot, value, false);
    if (expireAt !== NO_EXPIRY) this.setExpire(slot, expireAt);
    return slot;
  }

  /**
   * The value of an existing key, for the caller to change in place. A caller that then does
   * change it must call `modified(key)`, as Redis commands call signalModifiedKey.
   */
  writable(slot: number): RedisValue {
    this.beforeChange(slot);
    return this.value(slot);
  }

  /** Records how the string in a slot was written (see stringEncodings). */
  setStringEncoding(slot: number, encoding: StringEncoding): void {
    this.stringEncodings[slot] = encoding;
  }

  stringEncoding(slot: number): StringEncoding {
    return this.stringEncodings[slot] as StringEncoding;
  }

  /** Signals that a key changed in place (WATCH). */
  modified(key: string): void {
    this.keyspace.keyModified(this, key);
  }

  /** Deletes the key in a slot. */
  remove(slot: number): void {
    this.beforeChange(slot);
    this.release(slot);
    const key = this.keys[slot];
    this.keyspace.keyModified(this, key);
    if (!Number.isNaN(this.expires[slot])) this.volatileKeys.delete(key);
    this.slots.delete(key);
    const last = this.keys.length - 1;
    if (slot !== last) {
      const moved = this.keys[last];
      this.keys[slot] = moved;
      this.values[slot] = this.values[last];
      this.packedKinds[slot] = this.packedKinds[last];
      this.expires[slot] = this.expires[last];
      this.marks[slot] = this.marks[last];
      this.accessed[slot] = this.accessed[last];
      this.stringEncodings[slot] = this.stringEncodings[last];
      this.slots.set(moved, slot);
    }
    this.keys.pop();
    this.values.pop();
    if (last > INITIAL_CAPACITY * 4 && last < this.expires.length / 4) this.resize(this.expires.length / 2);
  }

  /** Deletes a live key; true if it existed. */
  delete(key: string): boolean {
    const slot = this.lookup(key);
    if (slot < 0) return false;
    this.remove(slot);
    return true;
  }

  setExpire(slot: number, expireAt: number): void {
    this.beforeChange(slot);
    if (Number.isNaN(this.expires[slot])) this.volatileKeys.add(this.keys[slot]);
    this.expires[slot] = expireAt;
    this.keyspace.keyModified(this, this.keys[slot]);
  }

  /** Removes a key's expiry; false if it had none. */
  persist(slot: number): boolean {
    if (Number.isNaN(this.expires[slot])) return false;
    this.beforeChange(slot);
    this.expires[slot] = NaN;
    this.volatileKeys.delete(this.keys[slot]);
    this.keyspace.keyModified(this, this.keys[slot]);
    return true;
  }

  /** A value as the values array holds it: long strings move into the slab. */
  private stored(value: RedisValue): RedisValue | number {
    return typeof value === 'string' && StringSlab.holds(value.length) ? this.strings.store(value) : value;
  }

  /**
   * Decodes the packed value in a slot and keeps the result there. Not a change: the value is
   * the same, so a running snapshot is not told (it may have referred to the cell, which the
   * slab then holds for it).
   */
  private unpack(slot: number, handle: number): RedisValue {
    const format = this.packedFormats[this.packedKinds[slot] - 1];
    let value: RedisValue;
    try {
      value = format.unpack(this.strings.view(handle), this.keyspace.limits);
    } catch (error) {
      throw new RedisError(`the value of key '${this.keys[slot]}' could not be decoded (${error instanceof Error ? error.message : String(error)})`);
    }
    this.strings.free(handle);
    this.values[slot] = value;
    this.packedKinds[slot] = 0;
    return value;
  }

  /** Frees the slab cell of the value in a slot, which is about to be replaced or dropped. */
  private release(slot: number): void {
    const value = this.values[slot];
    if (typeof value === 'number') this.strings.free(value);
  }

  // ---- snapshot support -----------------------------------------------------------------

  /** Whether the key in a slot still has to be serialized in this epoch (not done, not born later). */
  needsSnapshot(slot: number, epoch: number): boolean {
    return this.marks[slot] < epoch;
  }

  /**
   * Called by a snapshot walker visiting a slot: true if the key still has to be serialized in
   * this epoch (it is then marked done), false if it was serialized already or born later.
   */
  claim(slot: number, epoch: number): boolean {
    if (this.marks[slot] >= epoch) return false;
    this.marks[slot] = epoch;
    return true;
  }

  private beforeChange(slot: number): void {
    const snapshot = this.snapshot;
    if (snapshot !== null && this.marks[slot] < snapshot.epoch) {
      this.marks[slot] = snapshot.epoch;
      snapshot.observer.beforeChange(this, slot);
    }
  }

  // ---- expiry ---------------------------------------------------------------------------

  /**
   * Applies the expiry policy to an expired key. Returns true when the key must be treated as
   * missing.
   */
  private expireIfNeeded(slot: number): boolean {
    const policy = this.keyspace.expiryPolicy;
    if (policy === 'ignore') return false;
    if (policy === 'hide') return true;
    this.deleteExpired(slot);
    return true;
  }

  /** Deletes an expired key and propagates the deletion as DEL, as a primary does. */
  private deleteExpired(slot: number): void {
    const key = this.keys[slot];
    this.remove(slot);
    this.keyspace.stats.expiredKeys++;
    this.keyspace.propagate(this.index, [DEL, key]);
  }

  /** Active expiry deletes keys one execution unit at a time, each its own DEL. */
  private deleteExpiredAlone(slot: number): void {
    this.deleteExpired(slot);
    this.keyspace.commitEffects();
  }

  /**
   * One step of the active expire cycle: looks at up to `samples` keys with an expiry and
   * deletes the expired ones. Returns [sampled, expired].
   */
  expireCycleStep(samples: number): [number, number] {
    if (this.volatileKeys.size === 0 || this.keyspace.expiryPolicy !== 'delete') return [0, 0];
    let sampled = 0;
    let expired = 0;
    const now = this.keyspace.now;
    while (sampled < samples) {
      if (this.expireCursor === null) this.expireCursor = this.volatileKeys.values();
      const next = this.expireCursor.next();
      if (next.done === true) {
        this.expireCursor = null;
        break;
      }
      sampled++;
      const slot = this.slots.get(next.value);
      if (slot === undefined) continue;
      if (this.expires[slot] < now) {
        this.deleteExpiredAlone(slot);
        expired++;
      }
    }
    return [sampled, expired];
  }

  private resize(capacity: number): void {
    const expires = new Float64Array(capacity);
    const marks = new Uint32Array(capacity);
    const accessed = new Uint32Array(capacity);
    const stringEncodings = new Uint8Array(capacity);
    const packedKinds = new Uint8Array(capacity);
    const used = this.keys.length;
    expires.set(this.expires.subarray(0, used));
    marks.set(this.marks.subarray(0, used));
    accessed.set(this.accessed.subarray(0, used));
    stringEncodings.set(this.stringEncodings.subarray(0, used));
    packedKinds.set(this.packedKinds.subarray(0, used));
    this.packedKinds = packedKinds;
    this.expires = expires;
    this.marks = marks;
    this.accessed = accessed;
    this.stringEncodings = stringEncodings;
  }
}
