import { performance } from 'node:perf_hooks';
import { type ActiveSnapshot, type Database, type FrozenView, type Keyspace, ListValue, type RedisValue, SetValue, type SnapshotObserver } from '@understudy/engine';
import { type ChunkEncoder, InlineEncoder, WorkerEncoder } from './chunk-encoder.js';
import { Opcode, writeFileHeader } from './format.js';
import { RecordEncoder, SMALL_RECORD_ELEMENTS, writeCellRecord, writeRecord, writeStoredRecord } from './record-encoder.js';
import { frozenSource, liveSource, type RecordSource, sourceElements } from './record-source.js';
import { type SnapshotSink, WorkerFileSink } from './sinks.js';
import { CELL_STRING_LIMIT, ChunkPool, RdbWriter } from './writer.js';

export interface SnapshotOptions {
  /** rdbcompression: LZF for strings over 20 bytes. */
  compression: boolean;
  /** rdbchecksum: a CRC64 trailer, or eight zero bytes. */
  checksum: boolean;
  /** AUX fields for the header, in order (redis-ver, redis-bits, ctime...). */
  aux: readonly (readonly [string, string])[];
  /** The longest the walk keeps the event loop in one go, in ms. */
  sliceMs?: number;
  /**
   * While clients keep the event loop busy, the walk takes about this share of its time
   * (0..1); when the loop is idle it runs slice after slice.
   */
  busyShare?: number;
  /** rdb-key-save-delay: microseconds to wait after each key (tests use it to slow the walk). */
  keyDelayMicros?: number;
  /**
   * Compress and checksum on a worker thread (the default) rather than on the event loop: the
   * walk then only lays out bytes, and the costly part runs on another core.
   */
  offload?: boolean;
  /** A sink failed and was dropped; the walk goes on while any sink is left. */
  onSinkFailed?: (sink: SnapshotSink, error: Error) => void;
}

export interface SnapshotProgress {
  /** Keys in the dataset when the snapshot began. */
  keysTotal: number;
  /** Keys written so far (by the walk or ahead of a change). */
  keysWritten: number;
  /** Keys whose old value was captured because they were about to change. */
  keysCapturedAhead: number;
  bytesWritten: number;
  /**
   * The most bytes ever held between the dataset and the sinks: buffers, captured values, and
   * freed slab cells held until the encoding worker has copied from them.
   */
  peakBufferBytes: number;
  /** The longest the walk kept the event loop in one slice, in ms. */
  longestSliceMs: number;
  /**
   * Slices that ran over 4 ms, by start time (performance.now) and length: what a stall
   * report needs to tell the walk's own time from a garbage collection that fell inside it.
   */
  longSlices: { start: number; ms: number }[];
  /** Time the walk spent in slices, and waiting for compression (encoder) and for the sinks. */
  walkMs: number;
  encoderWaitMs: number;
  sinkWaitMs: number;
  /** The encoding worker ran short of CPU and left the idle scheduling class (chunk-encoder-worker). */
  encoderStarved: boolean;
  /** Slices moved to the next loop turn because the one before had a long run of client work. */
  slicesPostponed: number;
}

/** A key's value as it was at the start, to be written later. */
interface CapturedRecord {
  dbIndex: number;
  key: string;
  expireAt: number;
  source: RecordSource;
  /** The value's frozen view the source reads, or null for a copy. */
  view: FrozenView | null;
  /** Rough bytes a copy keeps alive (a view's are counted as it saves them). */
  bytes: number;
}

/** The record being written, possibly over several slices. */
interface InProgress {
  encoder: RecordEncoder;
  /** The live database it reads from, or null once it reads a captured value. */
  liveDb: Database | null;
  /** The frozen view it reads, released when the record is written. */
  view: FrozenView | null;
}

const DEFAULT_SLICE_MS = 1;
/**
 * The walk's share of the event loop while clients are busy. The walk, and the old values it
 * captures ahead of changes, are what a snapshot costs the clients (compression runs on
 * another thread); spread over ~8x its own time, BGSAVE of the benchmark's 1 GB stays within
 * 2x redis-server's duration and the clients keep about 70% of their throughput.
 */
const DEFAULT_BUSY_SHARE = 0.11;
/**
 * While clients are busy a slice may grow to this many normal ones: 2 ms, so that a slice and
 * a scavenge in the same turn stay under 10 ms (with 4 ms slices the longest stalls were
 * 10-11 ms; with 2 ms, 9-12 ms and BGSAVE no longer, 9.9 s against 10.0-10.3).
 */
const BUSY_SLICE_FACTOR = 2;
/** Elements of a large value written between looks at the clock. */
const ELEMENTS_PER_STEP = 512;
const RECORDS_BETWEEN_CLOCK_READS = 32;
/**
 * Records written before the walk reads the clock only every RECORDS_BETWEEN_CLOCK_READS: until
 * then after each one. A first snapshot runs code not optimized yet, where 32 records can take
 * milliseconds; a clock read costs well under a microsecond.
 */
const COLD_RECORDS = 50_000;
const LONG_SLICE_MS = 4;
const MAX_LONG_SLICES = 10_000;
/** A slice also ends once this much output waits for the sinks, to keep what is held small. */
const SLICE_BYTES = 256 * 1024;
/** A pause between slices longer than this means clients are using the event loop. */
const BUSY_GAP_MS = 0.25;
/**
 * After this much client work since the last slice, the next slice waits one more loop turn:
 * the turn that ran that work (and perhaps a scavenge) is already long, and a slice in its
 * check phase would make it longer still. Once only, so that busy clients cannot starve the walk.
 * Under the snapshot benchmark's load (1M keys, three runs each) the longest event-loop delay
 * during BGSAVE was 9.2-11.1 ms (5.7-7.8 ms of it on the CPU) with this, against 11.5-14.7 ms
 * (7.5-10.9 ms) with every slice in the turn it was due.
 */
const LONG_TURN_MS = 5;
/** Bytes a captured element keeps alive beyond its string: the copied pointer and overhead. */
const CAPTURED_ELEMENT_BYTES = 16;
/** Bytes an old element saved by a frozen view keeps alive beyond its string: a map entry. */
const SAVED_ELEMENT_BYTES = 32;
/** Freed cells held for the encoding worker, at most (about): beyond it, strings are copied. */
const HELD_CELL_BUDGET = 16 * 1024 * 1024;

/**
 * A forkless point-in-time snapshot in RDB format.
 *
 * `run()` begins a keyspace snapshot epoch. From then on, a key about to change or disappear
 * that the walk has not written yet is written first, with its old value: at once when it is
 * small (a string or a compact encoding) and no record is half written, otherwise queued for
 * the walk: a large collection frozen (it saves the old element of each position it changes
 * until its record is written), anything else by reference (strings never change) or as a
 * copy of its few elements.
 * Keys created later are never written. The walk visits every database's slots in time
 * slices, yielding to the event loop between slices, and pauses while the encoder (LZF and
 * CRC64 on a worker thread) or a sink is full. Long strings reach the worker as references
 * to their slab cells, which it copies from; freed cells are not reused until it has. Memory
 * beyond the dataset is the bytes waiting to be encoded or written, the old elements frozen
 * values saved, and freed cells held for the worker.
 *
 * Large values are written a few hundred elements per step. A record is never interrupted by
 * another one. RDB lets a file select a database again, so keys of any database can follow
 * the record being written.
 */
export class Snapshot implements SnapshotObserver {
  readonly progress: SnapshotProgress = {
    keysTotal: 0,
    keysWritten: 0,
    keysCapturedAhead: 0,
    bytesWritten: 0,
    peakBufferBytes: 0,
    longestSliceMs: 0,
    longSlices: [],
    walkMs: 0,
    encoderWaitMs: 0,
    sinkWaitMs: 0,
    encoderStarved: false,
    slicesPostponed: 0,
  };
  private readonly writer: RdbWriter;
  private readonly encoder: ChunkEncoder;
  private readonly sinks: SnapshotSink[];
  private active: ActiveSnapshot | null = null;
  private inProgress: InProgress | null = null;
  private readonly captured: (CapturedRecord | undefined)[] = [];
  private capturedHead = 0;
  private capturedBytes = 0;
  /** Frozen views not yet released: each makes its value save old elements. */
  private readonly views = new Set<FrozenView>();
  private savedBytes = 0;
  /** Database the output has selected, -1 before the first SELECTDB. */
  private streamDb = -1;
  private lastSliceEnd = 0;
  /** A sink refused more until it drains. */
  private full = false;
  /**
   * With an encoder that reads slab cells: where each database's pages start in the list
   * shared with it, and the databases' held-cell marks at each hand-over (see takeAndSend).
   */
  private pageBase: number[] | null = null;
  private readonly heldBatches: { chunks: number; marks: number[] }[] = [];
  private heldBytes = 0;
  private chunksSent = 0;
  private chunksEncoded = 0;
  /** locateStored's answer: page, offset, length. */
  private readonly cell = new Int32Array(3);
  /** Ends a wait for the sinks early when the snapshot is aborted. */
  private wake: (() => void) | null = null;
  private aborted: Error | null = null;

  constructor(
    private readonly keyspace: Keyspace,
    sinks: readonly SnapshotSink[],
    private readonly options: SnapshotOptions,
  ) {
    const offload = options.offload !== false;
    this.writer = new RdbWriter(options.compression, new ChunkPool(offload));
    this.sinks = sinks.slice();
    const encoded = (chunk: Buffer): void => this.encoded(chunk);
    this.encoder = offload ? new WorkerEncoder(encoded, this.writer.pool) : new InlineEncoder(encoded, this.writer.pool);
  }

  /** The epoch of the running snapshot, or 0 before it starts. */
  get epoch(): number {
    return this.active?.epoch ?? 0;
  }

  /**
   * Freezes the dataset logically now (synchronously), then writes it out. Resolves when every
   * remaining sink has finished; rejects, after aborting the sinks, if writing fails or no
   * sink is left.
   */
  run(): Promise<SnapshotProgress> {
    const active = this.keyspace.beginSnapshot(this);
    this.active = active;
    const sizes = active.databases.map((db) => db.size);
    const volatile = active.databases.map((db) => db.volatileCount);
    this.progress.keysTotal = sizes.reduce((total, size) => total + size, 0);
    try {
      this.handOverFile();
      if (this.encoder.readsCells) this.shareCells(active.databases);
    } catch (error) {
      this.keyspace.endSnapshot(active);
      this.encoder.close();
      for (const sink of this.sinks) sink.abort();
      return Promise.reject(error);
    }
    writeFileHeader(this.writer, this.options.aux);
    return this.walk(sizes, volatile).then(
      () => {
        this.keyspace.endSnapshot(active);
        this.unholdCells();
        this.releaseViews();
        return this.progress;
      },
      (error: unknown) => {
        this.keyspace.endSnapshot(active);
        this.unholdCells();
        this.releaseViews();
        // Replies still on their way (a worker that failed) must reach no sink.
        this.encoder.close();
        for (const sink of this.sinks) sink.abort();
        // An abort releases waits with errors of their own; the reason is the abort's.
        throw this.aborted ?? error;
      },
    );
  }

  /**
   * Stops the snapshot at once: changes are no longer captured, the sinks are aborted (a file
   * sink removes its temporary file) and `run()` rejects with `error`.
   */
  abort(error: Error): void {
    if (this.aborted !== null) return;
    this.aborted = error;
    if (this.active !== null) this.keyspace.endSnapshot(this.active);
    this.unholdCells();
    this.releaseViews();
    for (const sink of this.sinks) sink.abort();
    this.encoder.close();
    this.wake?.();
  }

  // ---- strings copied from slab cells by the encoder ---------------------------------------

  /**
   * Long strings go to the encoder as references to their slab cells, which its thread copies
   * from, so the event loop never reads their bytes. Every cell in use now is in a page that
   * exists now, and until the encoder is past a chunk, no cell it refers to may be reused.
   */
  private shareCells(databases: readonly Database[]): void {
    const pages: Buffer[] = [];
    const bases = databases.map((db) => {
      const base = pages.length;
      for (const page of db.slabPages) pages.push(page);
      return base;
    });
    // Nothing below throws once the pages are shared, so no hold outlives a failed start.
    this.encoder.sharePages(pages);
    this.pageBase = bases;
    for (const db of databases) db.holdFreedStrings();
  }

  /** A file the encoder writes itself (WorkerFileSink) gets its descriptor before any chunk. */
  private handOverFile(): void {
    const file = this.sinks.find((sink) => sink instanceof WorkerFileSink);
    if (file === undefined) return;
    if (!this.encoder.writesFiles || this.sinks.length > 1) throw new Error('a file written by the encoder must be the only sink of a snapshot encoded on the worker');
    this.encoder.writeFile(file.handOver());
  }

  /** The encoder is done with every chunk sent so far: cells freed before then are reusable. */
  private releaseCells(): void {
    const databases = this.active?.databases;
    while (databases !== undefined && this.heldBatches.length > 0 && this.heldBatches[0].chunks <= this.chunksEncoded) {
      const { marks } = this.heldBatches.shift()!;
      for (let i = 0; i < databases.length; i++) databases[i].releaseHeldStrings(marks[i]);
    }
  }

  private unholdCells(): void {
    if (this.pageBase === null) return;
    this.pageBase = null;
    this.heldBatches.length = 0;
    for (const db of this.active!.databases) db.unholdFreedStrings();
  }

  /**
   * Writes the record of a value kept in the slab, a long string or a packed value: as a
   * reference to its cell when the encoder copies cells, otherwise from the cell's bytes.
   * False for any other value.
   */
  private writeSlabValue(db: Database, dbIndex: number, slot: number): boolean {
    const cell = this.cell;
    // Past the budget (the worker is starved of CPU), strings are copied here instead, so that
    // the cells held for it stop growing.
    if (this.pageBase !== null && this.heldBytes <= HELD_CELL_BUDGET && db.locateStored(slot, cell) && cell[2] < CELL_STRING_LIMIT) {
      writeCellRecord(this.writer, db.key(slot), db.packedFormat(slot), this.pageBase[dbIndex] + cell[0], cell[1], cell[2], db.expireAt(slot));
      return true;
    }
    const bytes = db.storedBytes(slot);
    if (bytes === null) return false;
    writeStoredRecord(this.writer, db.key(slot), db.packedFormat(slot), bytes, db.expireAt(slot));
    return true;
  }

  // ---- SnapshotObserver -----------------------------------------------------------------

  beforeChange(db: Database, slot: number): void {
    const key = db.key(slot);
    const current = this.inProgress;
    if (current === null) {
      // A value kept in the slab, between records, is written out at once, no value made for it.
      const dbIndex = this.active!.databases.indexOf(db);
      this.select(dbIndex);
      if (this.writeSlabValue(db, dbIndex, slot)) {
        this.progress.keysCapturedAhead++;
        this.progress.keysWritten++;
        this.notePeak();
        return;
      }
    }
    const value = db.value(slot);
    if (current !== null && current.liveDb === db && current.encoder.key === key) {
      // The record being written in steps is about to change: carry on from its frozen view.
      const frozen = frozenSource(value);
      current.encoder.source = frozen.source;
      current.view = this.track(frozen.view);
      current.liveDb = null;
      return;
    }
    const dbIndex = this.active!.databases.indexOf(db);
    this.progress.keysCapturedAhead++;
    if (current === null && isSmall(value)) {
      // Between records, a small value is written out at once: no copy of it is kept.
      this.select(dbIndex);
      writeRecord(this.writer, key, value, db.expireAt(slot));
      this.progress.keysWritten++;
      this.notePeak();
      return;
    }
    const { source, view } = frozenSource(value);
    const bytes = key.length + (view === null ? capturedBytes(source) : 0);
    this.captured.push({ dbIndex, key, expireAt: db.expireAt(slot), source, view: this.track(view), bytes });
    this.capturedBytes += bytes;
    this.notePeak();
  }

  // ---- the walk -------------------------------------------------------------------------

  private async walk(sizes: readonly number[], volatile: readonly number[]): Promise<void> {
    const databases = this.active!.databases;
    const keyDelay = this.options.keyDelayMicros ?? 0;
    // rdb-key-save-delay slows the walk by that many microseconds per key, as in Redis's
    // tests: a millisecond's worth of keys per slice, then a millisecond's pause.
    const recordsPerSlice = keyDelay > 0 ? Math.max(1, Math.floor(1000 / keyDelay)) : Infinity;
    // The first slice gets a turn of its own. The turn that started the snapshot also carries
    // the freeze and every command after it, each capturing now, all in code not yet optimized
    // on a first snapshot: measured under load, that turn took 9.7 ms with the slice in it, and
    // 4.7 ms without it (2.0 ms warm, from 4.2). And if that turn is long, the next one too.
    this.lastSliceEnd = performance.now();
    await this.nextSliceTurn();
    this.lastSliceEnd = performance.now();
    for (let index = 0; index < databases.length; index++) {
      if (sizes[index] === 0) continue;
      const db = databases[index];
      this.select(index);
      this.writer.byte(Opcode.resizeDb);
      this.writer.length(sizes[index]);
      this.writer.length(volatile[index]);
      const cursor = { position: db.size };
      while (cursor.position > 0 || this.inProgress !== null || this.capturedHead < this.captured.length) {
        this.checkAborted();
        this.runSlice(db, index, cursor, recordsPerSlice);
        await this.emit();
        await this.pause(keyDelay);
      }
    }
    // Keys captured after the walk passed their database still need writing.
    while (this.inProgress !== null || this.capturedHead < this.captured.length) {
      this.checkAborted();
      this.runSlice(null, -1, { position: 0 }, recordsPerSlice);
      await this.emit();
      await this.pause(keyDelay);
    }
    this.checkAborted();
    this.writer.byte(Opcode.eof);
    this.takeAndSend();
    const trailer = await this.encoder.finish(this.options.checksum);
    this.progress.encoderStarved = this.encoder.starved;
    // The worker has copied every cell: freed ones need not wait for the sinks' fsync.
    this.unholdCells();
    this.checkAborted();
    this.sendToSinks(trailer);
    await this.waitForSinks();
    this.checkAborted();
    const sinks = this.sinks.slice();
    const results = await Promise.allSettled(sinks.map((sink) => sink.finish()));
    this.checkAborted();
    results.forEach((result, i) => {
      if (result.status === 'rejected') this.dropSink(sinks[i], toError(result.reason));
    });
    this.checkAborted();
  }

  private runSlice(db: Database | null, index: number, cursor: { position: number }, recordsPerSlice: number): void {
    const started = performance.now();
    const deadline = started + this.sliceBudget(started);
    this.slice(db, index, cursor, deadline, recordsPerSlice);
    const ended = performance.now();
    const length = ended - started;
    this.progress.longestSliceMs = Math.max(this.progress.longestSliceMs, length);
    this.progress.walkMs += length;
    if (length > LONG_SLICE_MS && this.progress.longSlices.length < MAX_LONG_SLICES) this.progress.longSlices.push({ start: started, ms: length });
    this.lastSliceEnd = ended;
  }

  /**
   * How long the next slice may run. When the event loop went straight back to the walk,
   * nothing else wants it and the slice is the normal length. When clients used it meanwhile,
   * the walk takes its share of the time: in proportion to what the clients just had, so that
   * a loop turn full of client work does not starve the walk, and never long enough to stall
   * them (BUSY_SLICE_FACTOR).
   */
  private sliceBudget(now: number): number {
    const normal = this.options.sliceMs ?? DEFAULT_SLICE_MS;
    const gap = now - this.lastSliceEnd;
    if (gap <= BUSY_GAP_MS) return normal;
    const share = this.options.busyShare ?? DEFAULT_BUSY_SHARE;
    return Math.min(normal * BUSY_SLICE_FACTOR, Math.max(normal / 20, (gap * share) / (1 - share)));
  }

  /**
   * One slice of the walk: the record in progress, then captured records, then slots of `db`
   * from the top down (the order in which a deletion never moves an unvisited key behind the
   * walk), until the deadline or the record budget. Keys already written or created since the
   * start are skipped.
   */
  private slice(db: Database | null, index: number, cursor: { position: number }, deadline: number, recordsPerSlice: number): void {
    const epoch = this.active!.epoch;
    const clockEvery = this.progress.keysWritten < COLD_RECORDS ? 1 : RECORDS_BETWEEN_CLOCK_READS;
    let records = 0;
    for (;;) {
      const current = this.inProgress;
      if (current !== null) {
        if (!current.encoder.step(ELEMENTS_PER_STEP)) {
          if (this.sliceOver(deadline)) return;
          continue;
        }
        this.finishRecord(current, epoch);
        if (++records >= recordsPerSlice) return;
        if (records % clockEvery === 0 && this.sliceOver(deadline)) return;
      }
      if (this.capturedHead < this.captured.length) {
        const record = this.takeCaptured();
        this.capturedBytes -= record.bytes;
        this.select(record.dbIndex);
        this.inProgress = { encoder: new RecordEncoder(this.writer, record.key, record.source, record.expireAt), liveDb: null, view: record.view };
        continue;
      }
      if (db === null) return;
      cursor.position = Math.min(cursor.position, db.size);
      if (cursor.position === 0) return;
      const slot = --cursor.position;
      if (!db.needsSnapshot(slot, epoch)) continue;
      this.select(index);
      if (this.writeSlabValue(db, index, slot)) {
        // A long string or a packed value, by reference or from its bytes: no value made for it.
        db.claim(slot, epoch);
      } else {
        const value = db.value(slot);
        if (isSmall(value)) {
          // Written in one go: nothing can change it meanwhile.
          db.claim(slot, epoch);
          writeRecord(this.writer, db.key(slot), value, db.expireAt(slot));
        } else {
          const encoder = new RecordEncoder(this.writer, db.key(slot), liveSource(value), db.expireAt(slot));
          if (!encoder.step(ELEMENTS_PER_STEP)) {
            this.inProgress = { encoder, liveDb: db, view: null };
            continue;
          }
          db.claim(slot, epoch);
        }
      }
      this.progress.keysWritten++;
      if (++records >= recordsPerSlice) return;
      if (records % clockEvery === 0 && this.sliceOver(deadline)) return;
    }
  }

  private sliceOver(deadline: number): boolean {
    return this.writer.pendingBytes >= SLICE_BYTES || performance.now() >= deadline;
  }

  /** The oldest captured record; the queue's array is compacted as it drains. */
  private takeCaptured(): CapturedRecord {
    const record = this.captured[this.capturedHead]!;
    this.captured[this.capturedHead++] = undefined;
    if (this.capturedHead === this.captured.length) {
      this.captured.length = 0;
      this.capturedHead = 0;
    } else if (this.capturedHead >= 1024 && this.capturedHead * 2 >= this.captured.length) {
      this.captured.splice(0, this.capturedHead);
      this.capturedHead = 0;
    }
    return record;
  }

  /** A record is complete: a live one marks its key done, so a later change does not capture it. */
  private finishRecord(record: InProgress, epoch: number): void {
    this.inProgress = null;
    if (record.view !== null) {
      record.view.release();
      this.views.delete(record.view);
    }
    if (record.liveDb !== null) {
      const slot = record.liveDb.peek(record.encoder.key);
      if (slot >= 0) record.liveDb.claim(slot, epoch);
    }
    this.progress.keysWritten++;
  }

  private track(view: FrozenView | null): FrozenView | null {
    if (view !== null) this.views.add(view);
    return view;
  }

  /** The snapshot is over: no value goes on saving old elements for it. */
  private releaseViews(): void {
    for (const view of this.views) view.release();
    this.views.clear();
    this.savedBytes = 0;
  }

  private select(dbIndex: number): void {
    if (this.streamDb === dbIndex) return;
    this.writer.byte(Opcode.selectDb);
    this.writer.length(dbIndex);
    this.streamDb = dbIndex;
  }

  /** Hands written bytes to every sink and waits while any of them is full. */
  private async emit(): Promise<void> {
    this.takeAndSend();
    await this.waitForSinks();
  }

  private takeAndSend(): void {
    const chunks = this.writer.takeRaw();
    this.encoder.push(chunks);
    this.chunksSent += chunks.length;
    const databases = this.active?.databases;
    if (this.pageBase !== null && databases !== undefined) {
      // Cells freed until now are referred to, if at all, by chunks sent until now.
      this.heldBatches.push({ chunks: this.chunksSent, marks: databases.map((db) => db.heldStringsMark) });
      this.heldBytes = databases.reduce((total, db) => total + db.heldStringBytes, 0);
    }
    let saved = 0;
    for (const view of this.views) saved += view.savedElements;
    this.savedBytes = saved * SAVED_ELEMENT_BYTES;
    this.notePeak();
  }

  /** A chunk is compressed and checksummed: on to the sinks, unless the snapshot was given up. */
  private encoded(chunk: Buffer): void {
    this.chunksEncoded++;
    this.releaseCells();
    if (this.aborted !== null) {
      this.writer.pool.release(chunk);
      return;
    }
    this.sendToSinks(chunk);
  }

  /** Every sink gets the chunk; it goes back to the pool when the last one releases it. */
  private sendToSinks(chunk: Buffer): void {
    this.progress.bytesWritten += chunk.length;
    const pool = this.writer.pool;
    let readers = this.sinks.length;
    const release = (): void => {
      if (--readers === 0) pool.release(chunk);
    };
    for (const sink of this.sinks.slice()) {
      try {
        if (!sink.write(chunk, release)) this.full = true;
      } catch (error) {
        release();
        this.dropSink(sink, toError(error));
      }
    }
  }

  private async waitForSinks(): Promise<void> {
    const started = performance.now();
    await this.encoder.ready();
    const encoded = performance.now();
    this.progress.encoderWaitMs += encoded - started;
    if (!this.full) return;
    this.full = false;
    const sinks = this.sinks.slice();
    const aborted = new Promise<null>((resolve) => (this.wake = () => resolve(null)));
    const results = await Promise.race([Promise.allSettled(sinks.map((sink) => sink.drained())), aborted]);
    this.wake = null;
    this.progress.sinkWaitMs += performance.now() - encoded;
    if (results === null) return;
    results.forEach((result, i) => {
      if (result.status === 'rejected') this.dropSink(sinks[i], toError(result.reason));
    });
  }

  /** Gives up on a failed sink; with none left, the snapshot fails with that sink's error. */
  private dropSink(sink: SnapshotSink, error: Error): void {
    const at = this.sinks.indexOf(sink);
    if (at < 0) return;
    this.sinks.splice(at, 1);
    sink.abort();
    this.options.onSinkFailed?.(sink, error);
    if (this.sinks.length === 0) this.abort(error);
  }

  private checkAborted(): void {
    if (this.aborted !== null) throw this.aborted;
  }

  /**
   * Yields to the event loop between slices, and waits out rdb-key-save-delay. A slice that
   * would end a long turn of client work goes to the next turn (LONG_TURN_MS).
   */
  private async pause(keyDelayMicros: number): Promise<void> {
    if (keyDelayMicros > 0) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.floor(keyDelayMicros / 1000))));
      return;
    }
    await this.nextSliceTurn();
  }

  /** Waits for the turn the next slice runs in: the next one, or after a long turn the one after. */
  private async nextSliceTurn(): Promise<void> {
    await nextTurn();
    if (performance.now() - this.lastSliceEnd > LONG_TURN_MS) {
      this.progress.slicesPostponed++;
      await nextTurn();
    }
  }

  private notePeak(): void {
    let buffered = this.writer.pendingBytes + this.encoder.pendingBytes + this.capturedBytes + this.savedBytes + this.heldBytes;
    for (const sink of this.sinks) buffered += sink.bufferedBytes;
    if (buffered > this.progress.peakBufferBytes) this.progress.peakBufferBytes = buffered;
  }
}

/**
 * Values written in one go, by the walk or as soon as they are captured: strings, the compact
 * encodings, and lists and hash-table sets that writeRecord writes in one go too.
 */
function isSmall(value: RedisValue): boolean {
  if (typeof value === 'string') return true;
  if (value instanceof ListValue) return value.length <= SMALL_RECORD_ELEMENTS;
  if (value instanceof SetValue) return value.isIntset || value.size <= SMALL_RECORD_ELEMENTS;
  return value.isListpack;
}

function capturedBytes(source: RecordSource): number {
  if (source.kind === 'string') return source.value.length;
  return sourceElements(source) * CAPTURED_ELEMENT_BYTES;
}

/** Resolves in the check phase of the event loop, after the I/O already waiting. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
