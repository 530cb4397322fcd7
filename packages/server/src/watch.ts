import type { Database, Keyspace } from '@understudy/engine';
import type { Client } from './client.js';

/** A key under WATCH. */
export interface WatchedKey {
  dbIndex: number;
  key: string;
  /**
   * The key was already logically expired when watched. Its deletion is then no change, and
   * its expiry at EXEC time does not abort the transaction (Redis 7.0 semantics).
   */
  expired: boolean;
}

/**
 * WATCH bookkeeping: which clients watch which keys, per database number. A change to a
 * watched key marks its watchers so that their EXEC answers null.
 */
export class WatchRegistry {
  private readonly byDb = new Map<number, Map<string, Set<Client>>>();
  private count = 0;

  constructor(private readonly keyspace: Keyspace) {}

  get active(): boolean {
    return this.count > 0;
  }

  watch(client: Client, key: string): void {
    const dbIndex = client.dbIndex;
    if (client.watched.some((watched) => watched.dbIndex === dbIndex && watched.key === key)) return;
    let keys = this.byDb.get(dbIndex);
    if (keys === undefined) {
      keys = new Map();
      this.byDb.set(dbIndex, keys);
    }
    let clients = keys.get(key);
    if (clients === undefined) {
      clients = new Set();
      keys.set(key, clients);
    }
    clients.add(client);
    const db = this.keyspace.db(dbIndex);
    const slot = db.peek(key);
    client.watched.push({ dbIndex, key, expired: slot >= 0 && db.isExpired(slot) });
    this.count++;
  }

  unwatchAll(client: Client): void {
    for (const { dbIndex, key } of client.watched) {
      const keys = this.byDb.get(dbIndex);
      const clients = keys?.get(key);
      if (clients === undefined) continue;
      clients.delete(client);
      this.count--;
      if (clients.size === 0) keys!.delete(key);
    }
    client.watched = [];
    client.watchDirty = false;
  }

  /** EXEC's last check: a watched key (live when watched) that has expired since. */
  anyExpiredSinceWatch(client: Client): boolean {
    for (const watched of client.watched) {
      if (watched.expired) continue;
      const db = this.keyspace.db(watched.dbIndex);
      const slot = db.peek(watched.key);
      if (slot >= 0 && db.isExpired(slot)) return true;
    }
    return false;
  }

  touched(db: Database, key: string): void {
    const clients = this.byDb.get(db.index)?.get(key);
    if (clients === undefined) return;
    for (const client of clients) {
      const watched = entryOf(client, db.index, key);
      if (watched.expired) {
        // An already-expired key: deleting it changes nothing logically.
        if (db.peek(key) < 0) watched.expired = false;
        continue;
      }
      client.watchDirty = true;
    }
  }

  /**
   * Database `index` now holds `current` instead of `previous` (FLUSHDB, FLUSHALL, SWAPDB):
   * watchers of keys that existed in either are marked, with the expired-key exceptions
   * of Redis's touchAllWatchedKeysInDb.
   */
  databaseReplaced(index: number, previous: Database, current: Database): void {
    const keys = this.byDb.get(index);
    if (keys === undefined) return;
    for (const [key, clients] of keys) {
      const existed = previous.peek(key) >= 0;
      const slot = current.peek(key);
      if (!existed && slot < 0) continue;
      const expiredNow = slot >= 0 && current.isExpired(slot);
      for (const client of clients) {
        const watched = entryOf(client, index, key);
        if (watched.expired) {
          if (slot < 0) {
            watched.expired = false;
            continue;
          }
          if (expiredNow) continue;
        } else if (!existed && expiredNow) {
          watched.expired = true;
          continue;
        }
        client.watchDirty = true;
      }
    }
  }
}

function entryOf(client: Client, dbIndex: number, key: string): WatchedKey {
  return client.watched.find((watched) => watched.dbIndex === dbIndex && watched.key === key)!;
}
