import type { Database } from '@understudy/engine';
import type { Client } from './client.js';
import type { Server } from './server.js';

/**
 * Clients parked by BLPOP, BRPOP, BLMOVE and BRPOPLPUSH. A parked client waits for one of its
 * keys to be created; the command then runs again (serving clients in the order they blocked),
 * and answers null when its timeout passes first.
 */
export class BlockingRegistry {
  /** database number -> key -> clients in blocking order. */
  private readonly waiting = new Map<number, Map<string, Client[]>>();
  /** Keys created since the last check that someone waits on, as "db\0key". */
  private ready: [number, string][] = [];
  private blockedCount = 0;

  constructor(private readonly server: Server) {}

  get count(): number {
    return this.blockedCount;
  }

  block(client: Client, keys: readonly string[], deadline: number): void {
    client.blocked = {
      argv: this.server.currentArgv,
      spec: this.server.currentSpec!,
      keys,
      dbIndex: client.dbIndex,
      deadline,
      timer: deadline === 0 ? null : setTimeout(() => this.timeout(client), Math.max(0, deadline - Date.now())),
    };
    this.blockedCount++;
    this.register(client, keys);
    this.server.listenerNeeded();
  }

  private register(client: Client, keys: readonly string[]): void {
    let byKey = this.waiting.get(client.dbIndex);
    if (byKey === undefined) {
      byKey = new Map();
      this.waiting.set(client.dbIndex, byKey);
    }
    for (const key of keys) {
      const clients = byKey.get(key);
      if (clients === undefined) byKey.set(key, [client]);
      else if (!clients.includes(client)) clients.push(client);
    }
  }

  /** Removes a client from every wait list (served, timed out, killed, disconnected). */
  unblock(client: Client): void {
    const state = client.blocked;
    if (state === null) return;
    if (state.timer !== null) clearTimeout(state.timer);
    const byKey = this.waiting.get(state.dbIndex);
    for (const key of state.keys) {
      const clients = byKey?.get(key);
      if (clients === undefined) continue;
      const at = clients.indexOf(client);
      if (at >= 0) clients.splice(at, 1);
      if (clients.length === 0) byKey!.delete(key);
    }
    client.blocked = null;
    this.blockedCount--;
    this.server.listenerNeeded();
  }

  keyCreated(db: Database, key: string): void {
    if (this.waiting.get(db.index)?.has(key) === true) this.ready.push([db.index, key]);
  }

  /** After SWAPDB/FLUSHDB: every waited-on key of that database may now exist. */
  databaseReplaced(index: number, current: Database): void {
    const byKey = this.waiting.get(index);
    if (byKey === undefined) return;
    for (const key of byKey.keys()) if (current.peek(key) >= 0) this.ready.push([index, key]);
  }

  /**
   * Serves clients waiting on keys that were created, first blocked first served, for as long
   * as the key can serve them. Serving may create further keys (BLMOVE); those are served too.
   */
  serveReady(): void {
    while (this.ready.length > 0) {
      const ready = this.ready;
      this.ready = [];
      for (const [dbIndex, key] of ready) {
        const clients = this.waiting.get(dbIndex)?.get(key);
        if (clients === undefined) continue;
        for (const client of clients.slice()) {
          if (this.server.keyspace.db(dbIndex).peek(key) < 0) break;
          if (!this.server.serveBlocked(client, key)) break;
        }
      }
    }
  }

  private timeout(client: Client): void {
    const state = client.blocked;
    if (state === null) return;
    this.unblock(client);
    // Redis answers every timed-out list command with a null array.
    client.reply.nilArray();
    this.server.resumeClient(client);
  }
}
