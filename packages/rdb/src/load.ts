import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Database, type EngineLimits, NO_EXPIRY } from '@understudy/engine';
import { RdbError } from './rdb-error.js';
import { fileChecksum } from './file-checksum.js';
import { checkChecksum, type RdbHandler, RdbParser, type RdbRecord } from './reader.js';

export interface LoadOptions {
  limits: EngineLimits;
  verifyChecksum: boolean;
  /** A primary drops keys whose expiry has passed; a replica keeps them for its primary's DEL. */
  dropExpired: boolean;
  now: number;
  /** key-load-delay: microseconds to wait per key loaded (tests use it to slow loading). */
  keyDelayMicros?: number;
  /**
   * A key the file holds twice replaces its earlier copy (DEBUG RELOAD MERGE) instead of
   * refusing the file. Either way the databases are fresh ones, discarded if it is refused.
   */
  replaceDuplicates?: boolean;
  /** Called after each chunk with the bytes read so far. */
  onProgress?: (loadedBytes: number) => void;
  onAux?: (key: string, value: string) => void;
}

export interface LoadResult {
  keysLoaded: number;
  keysExpired: number;
  emptyKeysSkipped: number;
  bytes: number;
  version: number;
  aux: Map<string, string>;
}

const CHUNK_BYTES = 1024 * 1024;
/** Files at least this large have their checksum computed on a worker thread while they load. */
export const CHECKSUM_THREAD_ABOVE = 8 * 1024 * 1024;
/** With key-load-delay, small reads so that the waits are spread evenly. */
const DELAYED_CHUNK_BYTES = 1024;

/**
 * Feeds RDB bytes into `databases`, checking what a loader must: the database count and
 * duplicate keys. Already expired keys are dropped when the options say so.
 */
export class DatasetLoader {
  readonly result: LoadResult = { keysLoaded: 0, keysExpired: 0, emptyKeysSkipped: 0, bytes: 0, version: 0, aux: new Map() };
  readonly parser: RdbParser;

  constructor(databases: readonly Database[], options: LoadOptions & { checksumElsewhere?: boolean }) {
    const result = this.result;
    const refuseDuplicates = options.replaceDuplicates !== true;
    const dropped = (expireAt: number): boolean => {
      if (!options.dropExpired || expireAt === NO_EXPIRY || expireAt >= options.now) return false;
      result.keysExpired++;
      return true;
    };
    const handler: RdbHandler = {
      aux: (key, value) => {
        result.aux.set(key, value);
        options.onAux?.(key, value);
      },
      selectDb: (db, offset) => {
        if (db >= databases.length) {
          throw new RdbError(`Data file was created with a Redis server configured to handle more than ${databases.length} databases`, offset);
        }
      },
      record: (record, offset) => {
        if (dropped(record.expireAt)) return;
        const db = databases[record.db];
        if (refuseDuplicates) {
          if (!db.addLoaded(record.key, record.value, record.expireAt)) throw duplicate(record, offset);
        } else {
          const existing = db.peek(record.key);
          if (existing >= 0) db.remove(existing);
          db.add(record.key, record.value, record.expireAt);
        }
        result.keysLoaded++;
      },
      emptyKey: () => {
        result.emptyKeysSkipped++;
      },
    };
    if (refuseDuplicates) {
      // Collections keep the file's bytes until first used; a packed key cannot replace one
      // already there, so MERGE decodes them.
      handler.packedRecord = (record, offset) => {
        if (dropped(record.expireAt)) return;
        if (!databases[record.db].addLoadedPacked(record.key, record.format, record.bytes, record.expireAt)) throw duplicate(record, offset);
        result.keysLoaded++;
      };
    }
    this.parser = new RdbParser(handler, { limits: options.limits, verifyChecksum: options.verifyChecksum, checksumElsewhere: options.checksumElsewhere });
  }

  /** Keys read so far, loaded or dropped as expired. */
  get keysRead(): number {
    return this.result.keysLoaded + this.result.keysExpired;
  }

  push(chunk: Buffer): void {
    this.result.bytes += chunk.length;
    this.parser.push(chunk);
  }

  /** Room to read at least `bytes` into; then `commit` what was read. */
  space(bytes: number): Buffer {
    return this.parser.space(bytes);
  }

  commit(bytes: number): void {
    this.result.bytes += bytes;
    this.parser.commit(bytes);
  }

  /** The input ended; throws RdbError unless it held a whole file. */
  end(): LoadResult {
    this.parser.end();
    this.result.version = this.parser.version;
    return this.result;
  }
}

/** The size of a file, for progress reports; 0 if it cannot be read. */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Loads an RDB file into `databases` (empty, from Keyspace.createDatabases), streaming: the
 * file is read in chunks (the next one read while the last is parsed), keys go in as their
 * records complete, and the event loop is free between chunks. The checksum is computed on a
 * worker thread meanwhile. Malformed input rejects with an RdbError naming the offset; the
 * caller then discards the databases.
 */
export async function loadFile(path: string, databases: readonly Database[], options: LoadOptions): Promise<LoadResult> {
  const size = fileSize(path);
  const delay = options.keyDelayMicros ?? 0;
  // The trailer is the file's last 8 bytes; everything before it is what the CRC covers. A
  // small file is cheaper to check here than to start a thread for.
  const checksum = options.verifyChecksum && size >= CHECKSUM_THREAD_ABOVE ? fileChecksum(path, size - 8) : null;
  // Settled even if parsing fails first, so that no rejection goes unheard.
  checksum?.catch(() => undefined);
  const loader = new DatasetLoader(databases, { ...options, checksumElsewhere: checksum !== null });
  const chunk = delay > 0 ? DELAYED_CHUNK_BYTES : CHUNK_BYTES;
  const buffers = [Buffer.allocUnsafeSlow(chunk), Buffer.allocUnsafeSlow(chunk)];
  const file = await open(path, 'r');
  try {
    let owedMicros = 0;
    let position = 0;
    let next = file.read(buffers[0], 0, chunk, position);
    for (let turn = 1; ; turn++) {
      const { bytesRead, buffer } = await next;
      if (bytesRead === 0) break;
      position += bytesRead;
      next = file.read(buffers[turn % 2], 0, chunk, position);
      const before = loader.keysRead;
      loader.push(buffer.subarray(0, bytesRead));
      options.onProgress?.(loader.result.bytes);
      if (delay > 0) {
        owedMicros += (loader.keysRead - before) * delay;
        if (owedMicros >= 1000) {
          await sleep(owedMicros / 1000);
          owedMicros = 0;
        }
      }
    }
  } finally {
    await file.close();
  }
  const result = loader.end();
  const trailer = loader.parser.trailer;
  if (checksum !== null && trailer !== null) checkChecksum(await checksum, trailer.stored, trailer.offset);
  return result;
}

/** loadFile, blocking the process until done (DEBUG RELOAD blocks redis-server the same way). */
export function loadFileSync(path: string, databases: readonly Database[], options: LoadOptions): LoadResult {
  const loader = new DatasetLoader(databases, options);
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const space = loader.space(CHUNK_BYTES);
      const bytesRead = readSync(fd, space, 0, Math.min(CHUNK_BYTES, space.length), null);
      if (bytesRead === 0) break;
      loader.commit(bytesRead);
    }
  } finally {
    closeSync(fd);
  }
  return loader.end();
}

function duplicate(record: Pick<RdbRecord, 'db' | 'key' | 'type'>, offset: number): RdbError {
  return new RdbError(`Duplicated key found in RDB file (DB ${record.db})`, offset, record.key, record.type);
}
