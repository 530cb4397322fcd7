import { Database } from './database.js';
import { EffectLog } from './effects.js';

/**
 * What happens to a key found past its expiry time:
 * - delete: delete it and propagate DEL (a primary);
 * - hide: report it missing but keep it until the primary's DEL arrives (a replica's clients);
 * - ignore: treat it as live (applying the replication stream, loading a file).
 */
export type ExpiryPolicy = 'delete' | 'hide' | 'ignore';

/** Receives keys about to change while a snapshot runs (see Database.beforeChange). */
export interface SnapshotObserver {
  /** `db`'s key at `slot` is about to change or disappear; its value is still the old one. */
  beforeChange(db: Database, slot: number): void;
}

export interface ActiveSnapshot {
  readonly epoch: number;
  readonly observer: SnapshotObserver;
  /** The databases as they were numbered when the snapshot began. */
  readonly databases: readonly Database[];
}

/** Server-side interest in keyspace changes: WATCH and clients blocked on keys. */
export interface KeyspaceListener {
  keyModified(db: Database, key: string): void;
  keyCreated(db: Database, key: string): void;
  /** Database number `index` now holds `current` instead of `previous` (FLUSHDB, SWAPDB). */
  databaseReplaced(index: number, previous: Database, current: Database): void;
}

/** Encoding thresholds and size limits that CONFIG SET can change at run time. */
export interface EngineLimits {
  hashMaxListpackEntries: number;
  hashMaxListpackValue: number;
  setMaxIntsetEntries: number;
  zsetMaxListpackEntries: number;
  zsetMaxListpackValue: number;
  /** proto-max-bulk-len, which also caps APPEND and SETRANGE results. */
  maxStringLength: number;
}

export interface KeyspaceStats {
  expiredKeys: number;
  keyspaceHits: number;
  keyspaceMisses: number;
}

/** Redis runs the slow expire cycle for at most this share of each hz period. */
const EXPIRE_CYCLE_TIME_PERCENT = 25;
const EXPIRE_CYCLE_SAMPLES = 20;
/** Keep sampling a database while more than this share of sampled keys had expired. */
const EXPIRE_CYCLE_STALE_PERCENT = 10;
/** The largest string V8 can hold, below Redis's 512 MB. */
export const MAX_STRING_LENGTH = 2 ** 29 - 24;

/**
 * All databases plus what spans them: the command clock, the expiry policy, the effect log of
 * the command being executed, snapshot epochs and statistics.
 */
export class Keyspace {
  databases: Database[];
  /** Unix ms of the command being executed; expiry is judged against it. */
  now = Date.now();
  /** Seconds clock for access times. */
  lruClock = Math.floor(this.now / 1000);
  expiryPolicy: ExpiryPolicy = 'delete';
  activeExpireEnabled = true;
  /** Changes since the last save (Redis's server.dirty). */
  dirty = 0;
  /** The effects of the command (or transaction) being executed. */
  readonly effects = new EffectLog();
  readonly stats: KeyspaceStats = { expiredKeys: 0, keyspaceHits: 0, keyspaceMisses: 0 };
  readonly limits: EngineLimits = {
    hashMaxListpackEntries: 512,
    hashMaxListpackValue: 64,
    setMaxIntsetEntries: 512,
    zsetMaxListpackEntries: 128,
    zsetMaxListpackValue: 64,
    maxStringLength: 512 * 1024 * 1024,
  };
  listener: KeyspaceListener | null = null;
  /** Receives each committed execution unit's effects (replication, AOF); null drops them. */
  effectSink: ((unit: EffectLog) => void) | null = null;

  /** Incremented when a snapshot begins; keys created now carry the current value. */
  epoch = 0;
  snapshot: ActiveSnapshot | null = null;
  private expireCycleDb = 0;

  constructor(databaseCount = 16) {
    this.databases = Array.from({ length: databaseCount }, (_, i) => new Database(this, i));
  }

  /** Memory the databases keep outside V8's accounting, in their string slabs: cells in use, and all reserved. */
  slabBytes(): { used: number; reserved: number } {
    let used = 0;
    let reserved = 0;
    for (const db of this.databases) {
      used += db.slabUsedBytes;
      reserved += db.slabReservedBytes;
    }
    return { used, reserved };
  }

  db(index: number): Database {
    return this.databases[index];
  }

  setTime(ms: number): void {
    this.now = ms;
    this.lruClock = Math.floor(ms / 1000);
  }

  totalKeys(): number {
    let total = 0;
    for (const db of this.databases) total += db.size;
    return total;
  }

  /** Records an effect of the command being executed, to be replayed elsewhere as is. */
  propagate(dbIndex: number, argv: string[]): void {
    this.effects.add(dbIndex, argv);
  }

  /** Ends an execution unit: hands its effects to the sink and starts a new, empty log. */
  commitEffects(): void {
    if (this.effects.length === 0) return;
    if (this.effectSink !== null) this.effectSink(this.effects);
    this.effects.clear();
  }

  keyModified(db: Database, key: string): void {
    if (this.listener !== null) this.listener.keyModified(db, key);
  }

  keyCreated(db: Database, key: string): void {
    if (this.listener !== null) this.listener.keyCreated(db, key);
  }

  /**
   * Empties database `index` by giving it a fresh Database: O(1), and a running snapshot keeps
   * walking the old one. Returns the number of keys removed.
   */
  flushDatabase(index: number): number {
    const removed = this.databases[index].size;
    if (removed === 0) return 0;
    this.replaceDatabase(index, new Database(this, index));
    return removed;
  }

  flushAll(): number {
    let removed = 0;
    for (let i = 0; i < this.databases.length; i++) removed += this.flushDatabase(i);
    return removed;
  }

  /** Fresh, empty databases owned by this keyspace, to fill aside (loading a file) and install. */
  createDatabases(): Database[] {
    return Array.from({ length: this.databases.length }, (_, i) => new Database(this, i));
  }

  /**
   * Replaces every database at once (a file finished loading): O(1) per database, and a
   * running snapshot keeps walking the previous ones.
   */
  installDatabases(databases: readonly Database[]): void {
    if (databases.length !== this.databases.length) throw new Error('database count mismatch');
    databases.forEach((current, index) => this.replaceDatabase(index, current));
  }

  private replaceDatabase(index: number, current: Database): void {
    const previous = this.databases[index];
    current.index = index;
    this.databases[index] = current;
    this.listener?.databaseReplaced(index, previous, current);
  }

  swapDatabases(a: number, b: number): void {
    const first = this.databases[a];
    const second = this.databases[b];
    this.databases[a] = second;
    this.databases[b] = first;
    second.index = a;
    first.index = b;
    this.listener?.databaseReplaced(a, first, second);
    this.listener?.databaseReplaced(b, second, first);
  }

  /**
   * Starts a point-in-time snapshot: from now until endSnapshot, every key that existed at this
   * moment reaches `observer.beforeChange` before it first changes, unless the walker claimed
   * it first (Database.claim). Keys created later are never reported.
   */
  beginSnapshot(observer: SnapshotObserver): ActiveSnapshot {
    if (this.snapshot !== null) throw new Error('a snapshot is already running');
    this.epoch++;
    const snapshot: ActiveSnapshot = { epoch: this.epoch, observer, databases: this.databases.slice() };
    for (const db of snapshot.databases) db.snapshot = snapshot;
    this.snapshot = snapshot;
    return snapshot;
  }

  endSnapshot(snapshot: ActiveSnapshot): void {
    if (this.snapshot !== snapshot) return;
    for (const db of snapshot.databases) db.snapshot = null;
    this.snapshot = null;
  }

  /**
   * Redis's slow active expire cycle: walks keys with an expiry, database by database, and
   * deletes expired ones, within a time budget derived from hz.
   */
  activeExpireCycle(hz: number, clock: () => number = Date.now): number {
    if (!this.activeExpireEnabled || this.expiryPolicy !== 'delete') return 0;
    const deadline = clock() + (1000 * EXPIRE_CYCLE_TIME_PERCENT) / 100 / hz;
    let expired = 0;
    for (let visited = 0; visited < this.databases.length; visited++) {
      const db = this.databases[this.expireCycleDb];
      this.expireCycleDb = (this.expireCycleDb + 1) % this.databases.length;
      for (;;) {
        const [sampled, removed] = db.expireCycleStep(EXPIRE_CYCLE_SAMPLES);
        expired += removed;
        if (sampled === 0 || removed * 100 <= sampled * EXPIRE_CYCLE_STALE_PERCENT) break;
        if (clock() >= deadline) return expired;
      }
      if (clock() >= deadline) break;
    }
    return expired;
  }
}
