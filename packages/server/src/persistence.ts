import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Database, type Keyspace, RedisError } from '@understudy/engine';
import {
  fileSize,
  type LoadOptions,
  type LoadResult,
  loadFile,
  loadFileSync,
  RdbError,
  saveSync,
  Snapshot,
  type SnapshotProgress,
  WorkerFileSink,
} from '@understudy/rdb';
import type { ServerConfig } from './config/server-config.js';
import type { InfoFields } from './info.js';
import type { Logger } from './logger.js';
import { NO_SNAPSHOT_FIGURES, type SnapshotFigures, SnapshotWatch } from './snapshot-watch.js';

/** After a failed BGSAVE, save rules wait this long (seconds, strictly more) before trying again. */
const BGSAVE_RETRY_DELAY = 5;

/** -LOADING: what the server cannot do until the dataset it is loading at startup is in. */
export class DatasetLoadingError extends RedisError {
  constructor() {
    super('Redis is loading the dataset in memory', 'LOADING');
  }
}

/** A file that could not be loaded: where, and what was wrong. */
export class LoadFailure extends Error {
  constructor(
    readonly path: string,
    readonly reason: RdbError | NodeJS.ErrnoException,
  ) {
    super(reason.message);
    this.name = 'LoadFailure';
  }
}

/** The snapshot being written by BGSAVE. */
interface RunningBgsave {
  snapshot: Snapshot;
  startedAt: number;
  /** Changes counted when it started: those made meanwhile stay counted after it succeeds. */
  dirtyBefore: number;
  /** Event-loop delay and GC pauses while it runs: the stalls clients would notice. */
  watch: SnapshotWatch;
}

/** The progress of a load, while it runs (INFO loading_*). */
interface LoadingState {
  startedAt: number;
  totalBytes: number;
  loadedBytes: number;
  usedMemAtSave: number;
}

export interface PersistenceHost {
  readonly keyspace: Keyspace;
  readonly config: ServerConfig;
  readonly log: Logger;
  /** The Redis version written into files (redis-ver). */
  readonly version: string;
  /** INFO used_memory, written as used-mem. */
  usedMemory(): number;
}

/**
 * RDB persistence for one server: SAVE, BGSAVE (forkless snapshots), save rules, loading at
 * startup and DEBUG RELOAD, with the state INFO persistence reports under Redis's names.
 *
 * The file always goes to a temporary name first, is fsynced, renamed over dir/dbfilename and
 * the directory fsynced, so dbfilename holds either the previous snapshot or the new one.
 */
export class RdbPersistence {
  /** Unix seconds of the last successful save; startup counts as one, as in Redis. */
  lastSave = Math.floor(Date.now() / 1000);
  lastBgsaveOk = true;
  /** Unix seconds of the last BGSAVE attempt, for the retry delay. */
  lastBgsaveTry = 0;
  lastBgsaveSeconds = -1;
  /** SAVE and BGSAVE commands and rule-triggered saves (INFO rdb_saves). */
  saves = 0;
  /** BGSAVE SCHEDULE or BGSAVE inside EXEC: start when possible. */
  scheduled = false;
  lastLoadKeysLoaded = 0;
  lastLoadKeysExpired = 0;
  loading: LoadingState | null = null;
  private running: RunningBgsave | null = null;
  /** Figures of the last finished snapshot, for INFO. */
  private lastSnapshot: SnapshotFigures = NO_SNAPSHOT_FIGURES;

  constructor(private readonly host: PersistenceHost) {}

  get path(): string {
    const config = this.host.config;
    return join(config.get('dir'), config.get('dbfilename'));
  }

  get bgsaveInProgress(): boolean {
    return this.running !== null;
  }

  /** stop-writes-on-bgsave-error: writes (and PING) are refused while saving is broken. */
  get writesDenied(): boolean {
    const config = this.host.config;
    return !this.lastBgsaveOk && config.get('stop-writes-on-bgsave-error') && config.get('save').length > 0;
  }

  /** The AUX fields Redis 7.0 writes for a lone primary, in its order. */
  private aux(): [string, string][] {
    return [
      ['redis-ver', this.host.version],
      ['redis-bits', '64'],
      ['ctime', String(Math.floor(Date.now() / 1000))],
      ['used-mem', String(this.host.usedMemory())],
      ['aof-base', '0'],
    ];
  }

  // ---- saving ---------------------------------------------------------------------------

  /**
   * A blocking save of the whole dataset (SAVE, SHUTDOWN, FLUSHALL with save rules, DEBUG
   * RELOAD). Returns false, having logged why, when it failed; the old file is untouched.
   */
  saveNow(): boolean {
    const config = this.host.config;
    const started = performance.now();
    try {
      const result = saveSync(this.host.keyspace, this.path, {
        compression: config.get('rdbcompression'),
        checksum: config.get('rdbchecksum'),
        aux: this.aux(),
      });
      this.host.keyspace.dirty = 0;
      this.lastSave = Math.floor(Date.now() / 1000);
      this.lastBgsaveOk = true;
      this.host.log.info({ file: this.path, keys: result.keys, bytes: result.bytes, ms: Math.round(performance.now() - started) }, 'DB saved on disk');
      return true;
    } catch (error) {
      this.host.log.warn({ file: this.path, err: errorText(error) }, 'Write error saving DB on disk');
      return false;
    }
  }

  /**
   * Starts a forkless BGSAVE: the dataset is frozen logically now and written in the
   * background. A file that cannot even be opened fails it at once, logged.
   */
  startBgsave(): void {
    if (this.running !== null) throw new Error('a BGSAVE is already running');
    const config = this.host.config;
    const keyspace = this.host.keyspace;
    this.saves++;
    this.lastBgsaveTry = Math.floor(Date.now() / 1000);
    this.scheduled = false;
    let sink: WorkerFileSink;
    try {
      sink = new WorkerFileSink(this.path);
    } catch (error) {
      // redis-server's fork child fails this way after BGSAVE has answered that it started.
      this.lastBgsaveOk = false;
      this.host.log.warn({ file: this.path, err: errorText(error) }, 'Failed opening the temp RDB file for saving');
      this.host.log.warn('Background saving error');
      return;
    }
    const snapshot = new Snapshot(keyspace, [sink], {
      compression: config.get('rdbcompression'),
      checksum: config.get('rdbchecksum'),
      aux: this.aux(),
      keyDelayMicros: Math.max(0, config.get('rdb-key-save-delay')),
    });
    const running: RunningBgsave = { snapshot, startedAt: Date.now(), dirtyBefore: keyspace.dirty, watch: new SnapshotWatch() };
    this.running = running;
    // run() freezes the dataset synchronously, before anything else can change it.
    const done = snapshot.run();
    this.host.log.info({ keys: snapshot.progress.keysTotal, file: this.path }, 'Background saving started');
    done.then(
      (progress) => this.bgsaveDone(running, progress, null),
      (error: unknown) => this.bgsaveDone(running, snapshot.progress, error instanceof Error ? error : new Error(String(error))),
    );
  }

  /** Stops a running BGSAVE without counting it as failed (SHUTDOWN, FLUSHALL kill it too). */
  abortBgsave(reason: string): void {
    if (this.running === null) return;
    this.host.log.warn({ reason }, 'Stopping the background save in progress');
    this.running.snapshot.abort(new AbortedSave(reason));
  }

  private bgsaveDone(running: RunningBgsave, progress: SnapshotProgress, error: Error | null): void {
    running.watch.stop();
    this.running = null;
    const seconds = Math.round((Date.now() - running.startedAt) / 1000);
    const snapshot = running.watch.figures(progress);
    this.lastSnapshot = snapshot;
    const figures = {
      keys: progress.keysWritten,
      bytes: progress.bytesWritten,
      ms: Date.now() - running.startedAt,
      peakBufferBytes: snapshot.peakBufferBytes,
      keysCapturedAhead: snapshot.keysCapturedAhead,
      longestSliceMs: snapshot.longestSliceUsec / 1000,
      longestSliceWithoutGcMs: snapshot.longestSliceWithoutGcUsec / 1000,
      maxLoopDelayMs: snapshot.maxLoopDelayUsec / 1000,
      maxGcPauseMs: snapshot.maxGcPauseUsec / 1000,
      walkMs: Math.round(progress.walkMs),
      encoderWaitMs: Math.round(progress.encoderWaitMs),
      sinkWaitMs: Math.round(progress.sinkWaitMs),
      encoderStarved: progress.encoderStarved,
      slicesPostponed: progress.slicesPostponed,
    };
    if (error instanceof AbortedSave) {
      this.host.log.warn({ ...figures, reason: error.message }, 'Background saving stopped');
      return;
    }
    this.lastBgsaveSeconds = seconds;
    if (error !== null) {
      this.lastBgsaveOk = false;
      this.host.log.warn({ ...figures, file: this.path, err: error.message }, 'Background saving error');
      return;
    }
    const keyspace = this.host.keyspace;
    keyspace.dirty = Math.max(0, keyspace.dirty - running.dirtyBefore);
    this.lastSave = Math.floor(Date.now() / 1000);
    this.lastBgsaveOk = true;
    this.host.log.info({ ...figures, file: this.path }, 'Background saving terminated with success');
  }

  /**
   * Called every cron tick: starts a BGSAVE when a save rule is due (enough changes, and the
   * last save older than its seconds) or one was scheduled; after a failure, only once the
   * retry delay has passed.
   */
  cron(): void {
    if (this.running !== null || this.loading !== null) return;
    const now = Math.floor(Date.now() / 1000);
    const retryAllowed = this.retryAllowed(now);
    if (this.scheduled && retryAllowed) {
      this.startBgsave();
      return;
    }
    const dirty = this.host.keyspace.dirty;
    for (const rule of this.host.config.get('save')) {
      if (dirty >= rule.changes && now - this.lastSave > rule.seconds && retryAllowed) {
        this.host.log.info({ changes: dirty, seconds: rule.seconds }, `${dirty} changes in ${rule.seconds} seconds. Saving...`);
        this.startBgsave();
        return;
      }
    }
  }

  /** A transaction ended: a BGSAVE it scheduled starts now, after all of its commands. */
  transactionDone(): void {
    if (this.scheduled && this.running === null && this.retryAllowed(Math.floor(Date.now() / 1000))) this.startBgsave();
  }

  /** After a failed BGSAVE, the next automatic one waits BGSAVE_RETRY_DELAY seconds. */
  private retryAllowed(nowSeconds: number): boolean {
    return this.lastBgsaveOk || nowSeconds - this.lastBgsaveTry > BGSAVE_RETRY_DELAY;
  }

  /** FLUSHALL: a running BGSAVE is dropped and, with save rules, the empty dataset saved at once. */
  flushedAll(): void {
    this.abortBgsave('FLUSHALL');
    if (this.host.config.get('save').length > 0) this.saveNow();
  }

  // ---- loading --------------------------------------------------------------------------

  private loadOptions(): LoadOptions {
    return {
      limits: this.host.keyspace.limits,
      verifyChecksum: this.host.config.get('rdbchecksum'),
      dropExpired: true,
      now: Date.now(),
      keyDelayMicros: Math.max(0, this.host.config.get('key-load-delay')),
    };
  }

  /**
   * Loads dir/dbfilename at startup, if it exists, while the server answers -LOADING. The
   * databases fill aside and replace the empty ones when the whole file has been read, so a
   * bad file never leaves half a dataset. Throws LoadFailure.
   */
  async loadAtStartup(): Promise<void> {
    const path = this.path;
    if (!existsSync(path)) return;
    const keyspace = this.host.keyspace;
    const started = performance.now();
    const databases = keyspace.createDatabases();
    this.loading = { startedAt: Math.floor(Date.now() / 1000), totalBytes: fileSize(path), loadedBytes: 0, usedMemAtSave: 0 };
    this.lastLoadKeysLoaded = 0;
    this.lastLoadKeysExpired = 0;
    let result: LoadResult;
    try {
      const loading = this.loading;
      result = await loadFile(path, databases, {
        ...this.loadOptions(),
        onProgress: (bytes) => (loading.loadedBytes = bytes),
        onAux: (key, value) => {
          if (key === 'used-mem') loading.usedMemAtSave = Number(value) || 0;
        },
      });
    } catch (error) {
      throw new LoadFailure(path, error as RdbError | NodeJS.ErrnoException);
    } finally {
      this.loading = null;
    }
    keyspace.installDatabases(databases);
    this.loaded(result, databases);
    this.host.log.info({ file: path, seconds: ((performance.now() - started) / 1000).toFixed(3) }, 'DB loaded from disk');
  }

  /**
   * DEBUG RELOAD: optionally save, empty the dataset unless asked not to, load the file. The
   * file always loads into fresh databases: without NOFLUSH they replace the live ones, with
   * it their keys move into the live ones once the whole file has been read, so a bad file
   * never leaves part of itself behind. (redis-server exits on a corrupt file instead.)
   */
  reload(options: { save: boolean; flush: boolean; merge: boolean }): 'ok' | 'save-failed' | 'load-failed' {
    if (options.save && !this.saveNow()) return 'save-failed';
    const keyspace = this.host.keyspace;
    const databases = keyspace.createDatabases();
    let result: LoadResult;
    try {
      // MERGE also lets a key repeated within the file replace its earlier copy.
      result = loadFileSync(this.path, databases, { ...this.loadOptions(), replaceDuplicates: options.merge });
      if (options.flush) keyspace.installDatabases(databases);
      else mergeInto(keyspace.databases, databases, options.merge);
    } catch (error) {
      this.host.log.warn({ file: this.path, err: errorText(error) }, 'Error trying to load the RDB dump');
      // Redis empties the dataset before it loads, so a file it cannot load leaves nothing.
      if (options.flush) keyspace.flushAll();
      return 'load-failed';
    }
    this.loaded(result, keyspace.databases);
    this.host.log.warn('DB reloaded by DEBUG RELOAD');
    return 'ok';
  }

  private loaded(result: LoadResult, databases: readonly Database[]): void {
    this.lastLoadKeysLoaded = result.keysLoaded;
    this.lastLoadKeysExpired = result.keysExpired;
    const aux = result.aux;
    const ctime = Number(aux.get('ctime'));
    this.host.log.info(
      {
        version: aux.get('redis-ver'),
        ageSeconds: Number.isFinite(ctime) ? Math.max(0, Math.floor(Date.now() / 1000) - ctime) : undefined,
        usedMemMb: aux.has('used-mem') ? (Number(aux.get('used-mem')) / 1048576).toFixed(2) : undefined,
        databases: databases.filter((db) => db.size > 0).length,
      },
      `Loading RDB produced by version ${aux.get('redis-ver') ?? 'unknown'}`,
    );
    const skipped = result.emptyKeysSkipped > 0 ? `, empty keys skipped: ${result.emptyKeysSkipped}` : '';
    const message = `Done loading RDB, keys loaded: ${result.keysLoaded}, keys expired: ${result.keysExpired}${skipped}.`;
    if (skipped === '') this.host.log.info(message);
    else this.host.log.warn(message);
  }

  // ---- INFO -----------------------------------------------------------------------------

  /** INFO persistence, with Redis 7.0's fields in its order, then Understudy's own. */
  info(): InfoFields {
    const running = this.running;
    const now = Date.now();
    const progress = running?.snapshot.progress;
    const figures = running === null ? this.lastSnapshot : running.watch.figures(running.snapshot.progress);
    return [
      ['loading', this.loading !== null ? 1 : 0],
      ['async_loading', 0],
      ['current_cow_peak', 0],
      ['current_cow_size', 0],
      ['current_cow_size_age', 0],
      ['current_fork_perc', progress === undefined || progress.keysTotal === 0 ? '0.00' : ((100 * progress.keysWritten) / progress.keysTotal).toFixed(2)],
      ['current_save_keys_processed', progress?.keysWritten ?? 0],
      ['current_save_keys_total', progress?.keysTotal ?? 0],
      ['rdb_changes_since_last_save', this.host.keyspace.dirty],
      ['rdb_bgsave_in_progress', running === null ? 0 : 1],
      ['rdb_last_save_time', this.lastSave],
      ['rdb_last_bgsave_status', this.lastBgsaveOk ? 'ok' : 'err'],
      ['rdb_last_bgsave_time_sec', this.lastBgsaveSeconds],
      ['rdb_current_bgsave_time_sec', running === null ? -1 : Math.floor((now - running.startedAt) / 1000)],
      ['rdb_saves', this.saves],
      ['rdb_last_cow_size', 0],
      ['rdb_last_load_keys_expired', this.lastLoadKeysExpired],
      ['rdb_last_load_keys_loaded', this.lastLoadKeysLoaded],
      ['aof_enabled', 0],
      ['aof_rewrite_in_progress', 0],
      ['aof_rewrite_scheduled', 0],
      ['aof_last_rewrite_time_sec', -1],
      ['aof_current_rewrite_time_sec', -1],
      ['aof_last_bgrewrite_status', 'ok'],
      ['aof_rewrites', 0],
      ['aof_rewrites_consecutive_failures', 0],
      ['aof_last_write_status', 'ok'],
      ['aof_last_cow_size', 0],
      ['module_fork_in_progress', 0],
      ['module_fork_last_cow_size', 0],
      // Redis ends its section with the progress of a running load; Understudy's own fields follow.
      ...this.loadingInfo(now),
      // A forkless snapshot has no copy-on-write; what it holds beyond the dataset is this.
      ['snapshot_peak_buffer_bytes', figures.peakBufferBytes],
      ['snapshot_keys_captured_ahead', figures.keysCapturedAhead],
      ['snapshot_longest_slice_usec', figures.longestSliceUsec],
      ['snapshot_longest_slice_without_gc_usec', figures.longestSliceWithoutGcUsec],
      ['snapshot_max_loop_delay_usec', figures.maxLoopDelayUsec],
      ['snapshot_max_gc_pause_usec', figures.maxGcPauseUsec],
    ];
  }

  /** INFO's loading_* fields: none unless a load is running. */
  private loadingInfo(now: number): [string, string | number][] {
    const loading = this.loading;
    if (loading === null) return [];
    const elapsed = Math.floor(now / 1000) - loading.startedAt;
    const total = loading.totalBytes;
    const percent = total > 0 ? (100 * loading.loadedBytes) / total : 0;
    return [
      ['loading_start_time', loading.startedAt],
      ['loading_total_bytes', total],
      ['loading_rdb_used_mem', loading.usedMemAtSave],
      ['loading_loaded_bytes', loading.loadedBytes],
      ['loading_loaded_perc', percent.toFixed(2)],
      ['loading_eta_seconds', elapsed === 0 ? 1 : Math.floor((elapsed * (total - loading.loadedBytes)) / (loading.loadedBytes + 1))],
    ];
  }
}

/** A key of the file that DEBUG RELOAD NOFLUSH without MERGE found in the live dataset. */
class LiveDuplicateError extends Error {
  constructor(db: number) {
    super(`Duplicated key found in RDB file (DB ${db}), already in the dataset`);
  }
}

/**
 * Moves every key of `loaded` into `live`, replacing keys already there or, without
 * `replace`, refusing the lot (LiveDuplicateError) before moving any.
 */
function mergeInto(live: readonly Database[], loaded: readonly Database[], replace: boolean): void {
  // All that can fail comes before the first key moves: a duplicate, or a value left packed
  // by the loader that does not decode (reading it decodes it in place).
  loaded.forEach((db, index) => {
    for (let slot = 0; slot < db.size; slot++) {
      if (!replace && live[index].peek(db.key(slot)) >= 0) throw new LiveDuplicateError(index);
      db.value(slot);
    }
  });
  loaded.forEach((db, index) => {
    const target = live[index];
    for (let slot = 0; slot < db.size; slot++) {
      const key = db.key(slot);
      const existing = target.peek(key);
      if (existing >= 0) target.remove(existing);
      target.add(key, db.value(slot), db.expireAt(slot));
    }
  });
}

/** A BGSAVE stopped on purpose (SHUTDOWN, FLUSHALL): not a failure of saving. */
class AbortedSave extends Error {}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
