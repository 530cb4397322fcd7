import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { datasetDigest } from '@understudy/engine';
import { commandSequence, EngineSession, eventually } from '@understudy/engine/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expiries, parseFile } from './test-support.js';
import { startEncoderWorker } from './chunk-encoder.js';
import { RecordEncoder } from './record-encoder.js';
import { liveSource } from './record-source.js';
import { FileSink, releasingSink, type SnapshotSink, StreamSink, WorkerFileSink } from './sinks.js';
import { Snapshot, type SnapshotOptions, type SnapshotProgress } from './snapshot.js';
import { warmUpSnapshots } from './snapshot-warm-up.js';
import { RdbWriter } from './writer.js';

/**
 * The forkless snapshot is point-in-time: whatever clients do while it is written (writes,
 * deletes, expiries, FLUSHDB, SWAPDB, MOVE, changes to a large value half written), the file
 * holds the dataset exactly as it was when the snapshot began.
 */

const T0 = 1_700_000_000_000;

/** Every byte that reached the sink, released at a random pace (a slow replica or disk). */
class SlowSink extends Writable {
  readonly chunks: Buffer[] = [];

  constructor(private readonly delays: readonly number[]) {
    super({ highWaterMark: 16 * 1024 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    // The snapshot recycles chunks after `done`, so keep a copy.
    this.chunks.push(Buffer.from(chunk));
    const delay = this.delays[this.chunks.length % this.delays.length];
    if (delay === 0) setImmediate(done);
    else setTimeout(done, delay);
  }

  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function bigValues(session: EngineSession, db: number, size: number): void {
  session.run('SELECT', String(db));
  const items = Array.from({ length: size }, (_, i) => `element-${i}-${'x'.repeat(i % 70)}`);
  session.run('RPUSH', 'biglist', ...items);
  session.run('HSET', 'bighash', ...items.flatMap((item, i) => [item, String(i)]));
  session.run('SADD', 'bigset', ...items);
  session.run('ZADD', 'bigzset', ...items.flatMap((item, i) => [String(i * 0.5), item]));
  session.run('SADD', 'bigints', ...items.map((_, i) => String(i * 7)));
  session.run('PEXPIREAT', 'bighash', String(T0 + 10_000));
}

/** Changes aimed at the large values, which the walk writes over many slices. */
const bigMutation = fc.oneof(
  fc.constantFrom(['LPUSH', 'biglist', 'new'], ['RPOP', 'biglist'], ['LSET', 'biglist', '5', 'changed'], ['LTRIM', 'biglist', '10', '-10']),
  fc.constantFrom(['HSET', 'bighash', 'element-1-x', 'changed'], ['HDEL', 'bighash', 'element-2-xx'], ['PERSIST', 'bighash']),
  fc.constantFrom(['SREM', 'bigset', 'element-3-xxx'], ['SPOP', 'bigset', '100'], ['SADD', 'bigints', 'not-an-int']),
  fc.constantFrom(['ZADD', 'bigzset', '-1', 'element-4-xxxx'], ['ZREMRANGEBYRANK', 'bigzset', '0', '50']),
  // In place, in the middle, and lists that move to a larger or smaller ring.
  fc.constantFrom(
    ['LINSERT', 'biglist', 'BEFORE', 'element-7-xxxxxxx', 'inserted'],
    ['LREM', 'biglist', '0', 'element-9-xxxxxxxxx'],
    ['RPUSH', 'biglist', ...Array.from({ length: 600 }, (_, i) => `grown-${i}`)],
    ['LTRIM', 'biglist', '0', '20'],
    ['HINCRBY', 'bighash', 'element-6-xxxxxx', '5'],
    ['ZINCRBY', 'bigzset', '3', 'element-8-xxxxxxxx'],
    ['SMOVE', 'bigset', 'elsewhere', 'element-10-xxxxxxxxxx'],
  ),
  fc.constantFrom(['DEL', 'biglist'], ['DEL', 'bighash'], ['RENAME', 'bigset', 'moved'], ['MOVE', 'bigzset', '9'], ['EXPIRE', 'biglist', '1']),
);

/** Whole-database changes: the snapshot must keep walking what was there at the start. */
const databaseChange = fc.constantFrom(['FLUSHDB'], ['FLUSHALL'], ['SWAPDB', '0', '1'], ['SWAPDB', '2', '0'], ['SELECT', '1'], ['SELECT', '0'], ['SELECT', '2']);

const during = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: commandSequence.map((sequence) => sequence.map((generated) => generated.argv)) },
    { weight: 3, arbitrary: bigMutation.map((argv) => [argv]) },
    { weight: 1, arbitrary: databaseChange.map((argv) => [argv]) },
  ),
  { minLength: 1, maxLength: 25 },
);

/** How often the test yields to the walk between commands, and how far the clock moves. */
const pacing = fc.array(fc.record({ turns: fc.integer({ min: 0, max: 3 }), clockStep: fc.constantFrom(0, 0, 5, 2000, 20_000) }), { minLength: 1, maxLength: 10 });

async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('the forkless snapshot is point-in-time', () => {
  it('writes the dataset as it was at the start, whatever changes meanwhile (slow sink, tiny slices, encoding here or on the worker)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(commandSequence, { minLength: 1, maxLength: 3 }),
        during,
        pacing,
        fc.array(fc.constantFrom(0, 0, 1, 3), { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        fc.boolean(),
        async (setup, changes, pace, delays, compression, offload) => {
          const session = new EngineSession();
          const keyspace = session.keyspace;
          keyspace.setTime(T0);
          setup.forEach((sequence, db) => {
            session.run('SELECT', String(db));
            for (const generated of sequence) session.raw(...generated.argv);
          });
          bigValues(session, 0, 1500);
          bigValues(session, 2, 700);
          session.run('SELECT', '0');
          const expectedDigest = datasetDigest(keyspace);
          const expectedExpiries = expiries(keyspace);

          const sink = new SlowSink(delays);
          // Tiny slices: a large value takes many of them, so changes land in the middle of it.
          const done = new Snapshot(keyspace, [new StreamSink(sink)], { compression, checksum: true, aux: [], sliceMs: 0.01, offload }).run();
          let step = 0;
          for (const batch of changes) {
            for (const argv of batch) session.raw(...argv);
            const { turns: count, clockStep } = pace[step++ % pace.length];
            keyspace.setTime(keyspace.now + clockStep);
            // Expired keys leave through the active cycle too, while the walk goes on.
            keyspace.activeExpireCycle(10, () => 0);
            await turns(count);
          }
          const progress = await done;
          expect(keyspace.snapshot).toBeNull();
          const saved = parseFile(sink.bytes);
          expect(datasetDigest(saved)).toBe(expectedDigest);
          expect(expiries(saved)).toEqual(expectedExpiries);
          expect(progress.keysWritten).toBe(progress.keysTotal);
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);

  it('captures a value about to change only once, and never a key created after the start', async () => {
    const session = new EngineSession();
    for (let i = 0; i < 2000; i++) session.run('SET', `k${i}`, `v${i}`);
    const expected = datasetDigest(session.keyspace);
    const sink = new SlowSink([2]);
    const snapshot = new Snapshot(session.keyspace, [new StreamSink(sink)], { compression: false, checksum: true, aux: [], sliceMs: 0.01 });
    const done = snapshot.run();
    for (let i = 0; i < 2000; i++) {
      session.run('SET', `k${i}`, 'changed');
      session.run('APPEND', `k${i}`, '!');
      session.run('SET', `new${i}`, 'born later');
    }
    const progress = await done;
    expect(progress.keysWritten).toBe(2000);
    expect(progress.keysCapturedAhead).toBeLessThanOrEqual(2000);
    expect(progress.keysCapturedAhead).toBeGreaterThan(0);
    expect(datasetDigest(parseFile(sink.bytes))).toBe(expected);
  });
});

describe('long strings copied from their slab cells by the worker', () => {
  it('keeps every cell the worker has yet to copy: overwrites, deletes and new keys reuse none of them until it has', async () => {
    const session = new EngineSession();
    const keyspace = session.keyspace;
    // Distinct values of one size class, so that a freed cell is the next one a store takes.
    const value = (tag: string, i: number): string => `${tag}:${i}:`.padEnd(300, tag);
    for (let i = 0; i < 5000; i++) session.run('SET', `k${i}`, value('old', i));
    const expected = datasetDigest(keyspace);
    const db = keyspace.db(0);
    const reservedBefore = db.slabReservedBytes;
    const sink = new SlowSink([0, 1]);
    const done = new Snapshot(keyspace, [new StreamSink(sink)], { compression: true, checksum: true, aux: [], sliceMs: 0.05 }).run();
    for (let round = 0; round < 5; round++) {
      for (let i = round; i < 5000; i += 5) {
        session.run('SET', `k${i}`, value('new', i));
        session.run('DEL', `k${(i + 1) % 5000}`);
        session.run('SET', `born${round}:${i}`, value('born', i));
      }
      await turns(2);
    }
    const progress = await done;
    expect(progress.keysCapturedAhead).toBeGreaterThan(1000);
    expect(datasetDigest(parseFile(sink.bytes))).toBe(expected);
    // Once the snapshot is over, the held cells are free again and are reused.
    expect(db.heldStringBytes).toBe(0);
    const reservedAfter = db.slabReservedBytes;
    for (let i = 0; i < 5000; i++) session.run('SET', `again${i}`, value('again', i));
    expect(db.slabReservedBytes - reservedAfter).toBeLessThan(reservedBefore);
  });

  it('lets go of freed cells once the worker is done, before the sinks finish (fsync)', async () => {
    const session = new EngineSession();
    for (let i = 0; i < 2000; i++) session.run('SET', `k${i}`, 'v'.repeat(200) + i);
    const db = session.keyspace.db(0);
    let heldWhileFinishing = -1;
    const sink = new Writable({
      write(_chunk: Buffer, _encoding, done) {
        done();
      },
      final(done) {
        // An overwrite while the file is being fsynced frees a cell: nothing refers to it now.
        session.run('SET', 'k1', 'w'.repeat(200));
        heldWhileFinishing = db.heldStringBytes;
        done();
      },
    });
    await new Snapshot(session.keyspace, [new StreamSink(sink)], { compression: false, checksum: true, aux: [] }).run();
    expect(heldWhileFinishing).toBe(0);
  });
});

describe('large values are written in steps', () => {
  it('writes a large hash, list, set and sorted set a bounded number of elements per step', () => {
    const session = new EngineSession();
    session.keyspace.setTime(T0);
    bigValues(session, 0, 20_000);
    const db = session.keyspace.db(0);
    for (const key of ['biglist', 'bighash', 'bigset', 'bigzset']) {
      const slot = db.peek(key);
      const writer = new RdbWriter(false);
      const encoder = new RecordEncoder(writer, key, liveSource(db.value(slot)), db.expireAt(slot));
      let steps = 0;
      let largestStep = 0;
      for (;;) {
        const before = writer.pendingBytes;
        const done = encoder.step(512);
        largestStep = Math.max(largestStep, writer.pendingBytes - before);
        steps++;
        if (done) break;
      }
      // About 512 elements per step (lists: whole nodes of about 180 elements, after sizing).
      expect(steps, key).toBeGreaterThanOrEqual(20_000 / 1024);
      // A step of 512 elements of at most ~90 bytes each, plus node overheads.
      expect(largestStep, key).toBeLessThan(128 * 1024);
    }
  });
});

describe('large values changed before the walk writes them', () => {
  it('are frozen, not copied: the snapshot keeps only the elements that changed, and writes them as they were', async () => {
    const session = new EngineSession();
    session.keyspace.setTime(T0);
    bigValues(session, 0, 20_000);
    const expected = datasetDigest(session.keyspace);
    // A sink that takes nothing until it is let go: the walk stops at the first chunks.
    const held: (() => void)[] = [];
    const chunks: Buffer[] = [];
    let holding = true;
    const sink = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, done) {
        chunks.push(Buffer.from(chunk));
        if (holding) held.push(done);
        else done();
      },
    });
    const snapshot = new Snapshot(session.keyspace, [new StreamSink(sink)], { compression: false, checksum: true, aux: [] });
    const done = snapshot.run();
    await eventually(() => held.length > 0, 'the sink to hold a chunk');
    const before = snapshot.progress.peakBufferBytes;
    for (let i = 0; i < 100; i++) {
      session.run('HSET', 'bighash', `element-${i}-${'x'.repeat(i % 70)}`, 'changed');
      session.run('LSET', 'biglist', String(i * 7), 'changed');
      session.run('SREM', 'bigset', `element-${i}-${'x'.repeat(i % 70)}`);
      session.run('ZADD', 'bigzset', '-1', `element-${i}-${'x'.repeat(i % 70)}`);
      session.run('SADD', 'bigints', 'not-an-int', String(-i));
    }
    // A copy would hold a pointer per element, 20,000 of them per value; a frozen value keeps
    // one old element per change.
    expect(snapshot.progress.peakBufferBytes - before).toBeLessThan(64 * 1024);
    holding = false;
    for (const release of held.splice(0)) release();
    await done;
    expect(datasetDigest(parseFile(Buffer.concat(chunks)))).toBe(expected);
  });
});

/** Client work as the event loop sees it: this thread busy for `ms`. */
function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Spinning is the point: nothing else may run meanwhile.
  }
}

describe('sharing the event loop with clients', () => {
  /**
   * A snapshot beside a client that works in the check phase of every loop turn, just before
   * the walk's own callback there; `heavyTurn` says in which turns it is busy for 7 ms.
   */
  async function snapshotBeside(heavyTurn: (turn: number) => boolean): Promise<{ progress: SnapshotProgress; heavyTurns: number; slicesInHeavyTurns: number }> {
    const session = new EngineSession();
    const value = 'v'.repeat(1000);
    for (let i = 0; i < 20_000; i++) session.run('SET', `key:${i}`, `${value}${i}`);
    // Never full, and encoded here: the walk runs a slice in every turn it is given, and
    // keysWritten moves only inside slices.
    const chunks: Buffer[] = [];
    const sink = new Writable({
      highWaterMark: 1 << 30,
      write(chunk: Buffer, _encoding, done) {
        chunks.push(Buffer.from(chunk));
        done();
      },
    });
    const snapshot = new Snapshot(session.keyspace, [new StreamSink(sink)], { compression: false, checksum: true, aux: [], offload: false });
    let heavyTurns = 0;
    let slicesInHeavyTurns = 0;
    /** keysWritten after the client's work in a heavy turn, until the next turn looks. */
    let afterHeavyWork = -1;
    let running = true;
    const client = (turn: number): void => {
      if (!running) return;
      // Whatever the walk wrote since the last heavy work, it wrote later in that same turn.
      if (afterHeavyWork >= 0 && snapshot.progress.keysWritten !== afterHeavyWork) slicesInHeavyTurns++;
      afterHeavyWork = -1;
      if (heavyTurn(turn)) {
        heavyTurns++;
        busyFor(7);
        afterHeavyWork = snapshot.progress.keysWritten;
      }
      setImmediate(() => client(turn + 1));
    };
    // Queued before the walk's first callback, and so ahead of it in every turn.
    client(0);
    const progress = await snapshot.run();
    running = false;
    expect(datasetDigest(parseFile(Buffer.concat(chunks)))).toBe(datasetDigest(session.keyspace));
    return { progress, heavyTurns, slicesInHeavyTurns };
  }

  it('runs no slice in a loop turn that already had a long stretch of client work: the slice takes the next turn', async () => {
    const { progress, heavyTurns, slicesInHeavyTurns } = await snapshotBeside((turn) => turn % 2 === 1);
    expect(heavyTurns).toBeGreaterThan(10);
    expect(progress.slicesPostponed).toBeGreaterThan(0);
    // A light turn slowed past LONG_TURN_MS (a loaded machine) may move a slice into a heavy
    // one now and then; without the rule nearly every heavy turn would carry one.
    expect(slicesInHeavyTurns).toBeLessThanOrEqual(Math.floor(heavyTurns / 10));
  });

  it('postpones a slice only once: clients busy in every turn do not starve the walk', async () => {
    const { progress } = await snapshotBeside(() => true);
    expect(progress.keysWritten).toBe(20_000);
    expect(progress.slicesPostponed).toBeGreaterThan(0);
  });
});

describe('backpressure and sinks', () => {
  it('pauses the walk while the sink is full: the bytes held stay small for a large dataset', async () => {
    const session = new EngineSession();
    const value = 'v'.repeat(1000);
    for (let i = 0; i < 20_000; i++) session.run('SET', `key:${i}`, `${value}${i}`);
    const sink = new SlowSink([1]);
    const progress = await new Snapshot(session.keyspace, [new StreamSink(sink)], { compression: false, checksum: true, aux: [] }).run();
    expect(progress.bytesWritten).toBeGreaterThan(20_000_000);
    // The dataset is 20 MB; what waits between it and the sink is a few chunks: up to 32 of
    // 64 KiB away at the encoding worker (which runs at low priority and may lag), and the sink's.
    expect(progress.peakBufferBytes).toBeLessThan(3 * 1024 * 1024);
    expect(datasetDigest(parseFile(sink.bytes))).toBe(datasetDigest(session.keyspace));
  });

  it('finishes chunks in shared memory on the worker and reuses them: none is transferred or made anew per chunk', async () => {
    const session = new EngineSession();
    const value = 'v'.repeat(1000);
    for (let i = 0; i < 20_000; i++) session.run('SET', `key:${i}`, `${value}${i}`);
    const backings: ArrayBufferLike[] = [];
    const received: Buffer[] = [];
    // Releases each chunk as soon as it is copied.
    const sink = releasingSink((chunk) => {
      backings.push(chunk.buffer);
      received.push(Buffer.from(chunk));
    });
    await new Snapshot(session.keyspace, [sink], { compression: true, checksum: true, aux: [] }).run();
    // A transfer would give every chunk a new ArrayBuffer, which V8 counts as new external
    // memory until a full collection (the benchmark's mark-compact "for external memory pressure").
    // Every chunk but the 8-byte trailer, which the worker sends back as a message.
    const chunks = new Set(backings.slice(0, -1));
    expect(backings.length).toBeGreaterThan(300);
    expect([...chunks].every((buffer) => buffer instanceof SharedArrayBuffer)).toBe(true);
    expect(chunks.size).toBeLessThan(100);
    expect(datasetDigest(parseFile(Buffer.concat(received)))).toBe(datasetDigest(session.keyspace));
  });

  it('warms up on the worker with every kind of key and captures, and leaves it to the next snapshot', async () => {
    const progress = await warmUpSnapshots();
    // Three changes and a deletion before the walk reached them: the capture path ran too.
    expect(progress.keysCapturedAhead).toBe(4);
    expect(progress.keysWritten).toBe(progress.keysTotal);
    expect(progress.keysTotal).toBeGreaterThan(10);
    const session = new EngineSession();
    for (let i = 0; i < 2000; i++) session.run('SET', `key:${i}`, 'x'.repeat(100) + i);
    session.run('HSET', 'hash', 'f', 'v');
    const received: Buffer[] = [];
    await new Snapshot(session.keyspace, [releasingSink((chunk) => received.push(Buffer.from(chunk)))], { compression: true, checksum: true, aux: [] }).run();
    expect(datasetDigest(parseFile(Buffer.concat(received)))).toBe(datasetDigest(session.keyspace));
  });

  it('shares one walk between sinks, drops a failing one and finishes for the others', async () => {
    const session = new EngineSession();
    for (let i = 0; i < 5000; i++) session.run('SET', `key:${i}`, 'x'.repeat(100));
    const good = new SlowSink([0]);
    let written = 0;
    const failing = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, done) {
        written += chunk.length;
        done(written > 100_000 ? new Error('replica went away') : null);
      },
    });
    const failures: string[] = [];
    const options: SnapshotOptions = { compression: false, checksum: true, aux: [], onSinkFailed: (_sink, error) => failures.push(error.message) };
    await new Snapshot(session.keyspace, [new StreamSink(failing), new StreamSink(good)], options).run();
    expect(failures).toEqual(['replica went away']);
    expect(datasetDigest(parseFile(good.bytes))).toBe(datasetDigest(session.keyspace));
  });

  it('writes one walk to a file and to a slow reader on a real TCP socket: the same bytes, the dataset at the start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'understudy-snap-'));
    const session = new EngineSession();
    for (let i = 0; i < 20_000; i++) session.run('SET', `key:${i}`, `${'v'.repeat(200)}${i}`);
    bigValues(session, 1, 5000);
    const expected = datasetDigest(session.keyspace);
    // The reader takes a chunk at a time with pauses, as a replica busy loading would.
    const received: Buffer[] = [];
    let ended: () => void = () => undefined;
    const closed = new Promise<void>((resolve) => {
      ended = resolve;
    });
    const server = createServer((peer) => {
      peer.on('end', () => ended());
      peer.on('data', (chunk: Buffer) => {
        received.push(chunk);
        peer.pause();
        setTimeout(() => peer.resume(), 1);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const socket = connect({ port, host: '127.0.0.1' });
    await once(socket, 'connect');
    const done = new Snapshot(session.keyspace, [new FileSink(join(dir, 'dump.rdb')), new StreamSink(socket)], { compression: true, checksum: true, aux: [], sliceMs: 0.05 }).run();
    for (let i = 0; i < 20_000; i += 7) {
      session.run('SET', `key:${i}`, 'changed');
      session.run('DEL', `key:${i + 1}`);
      if (i % 700 === 0) {
        session.run('SELECT', '1');
        session.run('HSET', 'bighash', `element-${i}-x`, 'changed');
        session.run('LPOP', 'biglist');
        session.run('SELECT', '0');
        await turns(1);
      }
    }
    const progress = await done;
    expect(progress.keysCapturedAhead).toBeGreaterThan(0);
    socket.end();
    await closed;
    server.close();
    const file = readFileSync(join(dir, 'dump.rdb'));
    expect(Buffer.concat(received).equals(file)).toBe(true);
    expect(datasetDigest(parseFile(file))).toBe(expected);
  });

  it('fails, ends the epoch and leaves no temporary file when the only sink fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'understudy-snap-'));
    const session = new EngineSession();
    for (let i = 0; i < 5000; i++) session.run('SET', `key:${i}`, 'x'.repeat(100));
    const sink = new FileSink(join(dir, 'dump.rdb'));
    // The disk fills after the first chunk (of eight).
    let writes = 0;
    const failing: SnapshotSink = {
      get bufferedBytes() {
        return sink.bufferedBytes;
      },
      write: (chunk, release) => {
        if (++writes > 1) throw new Error('No space left on device');
        return sink.write(chunk, release);
      },
      drained: () => sink.drained(),
      finish: () => sink.finish(),
      abort: () => sink.abort(),
    };
    await expect(new Snapshot(session.keyspace, [failing], { compression: false, checksum: true, aux: [] }).run()).rejects.toThrow('No space left on device');
    expect(session.keyspace.snapshot).toBeNull();
    // The temporary file goes once its stream has closed.
    await eventually(() => readdirSync(dir).length === 0, 'the temporary file to be removed');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('abort() stops at once: the epoch ends, the temporary file goes, run() rejects', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'understudy-snap-'));
    const session = new EngineSession();
    for (let i = 0; i < 20_000; i++) session.run('SET', `key:${i}`, 'x'.repeat(100));
    const sink = new FileSink(join(dir, 'dump.rdb'));
    const snapshot = new Snapshot(session.keyspace, [sink], { compression: false, checksum: true, aux: [], sliceMs: 0.01 });
    const done = snapshot.run();
    await turns(3);
    snapshot.abort(new Error('shutdown'));
    expect(session.keyspace.snapshot).toBeNull();
    await expect(done).rejects.toThrow('shutdown');
    await eventually(() => !existsSync(sink.temporary), 'the temporary file to be removed');
    expect(existsSync(sink.temporary)).toBe(false);
    expect(existsSync(join(dir, 'dump.rdb'))).toBe(false);
  });

  it('a file sink renames the complete file into place only at the end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'understudy-snap-'));
    const session = new EngineSession();
    for (let i = 0; i < 1000; i++) session.run('SET', `key:${i}`, String(i));
    await new Snapshot(session.keyspace, [new FileSink(join(dir, 'dump.rdb'))], { compression: true, checksum: true, aux: [] }).run();
    expect(readdirSync(dir)).toEqual(['dump.rdb']);
    expect(datasetDigest(parseFile(readFileSync(join(dir, 'dump.rdb'))))).toBe(datasetDigest(session.keyspace));
  });
});

describe('a file written by the encoding worker (WorkerFileSink)', () => {
  const openDescriptors = (): number => readdirSync('/proc/self/fd').length;

  function dataset(keys: number): EngineSession {
    const session = new EngineSession();
    for (let i = 0; i < keys; i++) session.run('SET', `key:${i}`, `${'v'.repeat(100)}${i}`);
    session.run('HSET', 'hash', 'field', 'value');
    return session;
  }

  it('holds the same bytes as a file written on the event loop, renamed into place, its descriptor closed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'understudy-snap-'));
    const session = dataset(20_000);
    const options = { compression: true, checksum: true, aux: [] };
    await new Snapshot(session.keyspace, [new FileSink(join(dir, 'loop.rdb'))], options).run();
    const before = openDescriptors();
    await new Snapshot(session.keyspace, [new WorkerFileSink(join(dir, 'worker.rdb'))], options).run();
    expect(readFileSync(join(dir, 'worker.rdb')).equals(readFileSync(join(dir, 'loop.rdb')))).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['loop.rdb', 'worker.rdb']);
    await eventually(() => openDescriptors() <= before, 'the descriptor to be closed');
  });

  it('a full disk fails the snapshot: no file, the descriptor closed by the worker', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'understudy-snap-'));
    const session = dataset(2000);
    const before = openDescriptors();
    /** Its writes go to /dev/full, which answers every write with ENOSPC. */
    class FullDisk extends WorkerFileSink {
      override handOver(): number {
        closeSync(super.handOver());
        return openSync('/dev/full', 'w');
      }
    }
    const sink = new FullDisk(join(dir, 'dump.rdb'));
    await expect(new Snapshot(session.keyspace, [sink], { compression: true, checksum: true, aux: [] }).run()).rejects.toThrow(/ENOSPC/);
    expect(session.keyspace.snapshot).toBeNull();
    expect(readdirSync(dir)).toEqual([]);
    await eventually(() => openDescriptors() <= before, 'the descriptor to be closed');
  });

  it('an aborted snapshot leaves no file, and the worker closes the descriptor', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'understudy-snap-'));
    const session = dataset(20_000);
    const before = openDescriptors();
    const sink = new WorkerFileSink(join(dir, 'dump.rdb'));
    const snapshot = new Snapshot(session.keyspace, [sink], { compression: false, checksum: true, aux: [], sliceMs: 0.01 });
    const done = snapshot.run();
    await turns(3);
    snapshot.abort(new Error('shutdown'));
    await expect(done).rejects.toThrow('shutdown');
    expect(readdirSync(dir)).toEqual([]);
    await eventually(() => openDescriptors() <= before, 'the descriptor to be closed');
  });

  it('must be the only sink, and needs the worker', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'understudy-snap-'));
    const session = dataset(10);
    const before = openDescriptors();
    const shared = new Snapshot(session.keyspace, [new WorkerFileSink(join(dir, 'a.rdb')), new FileSink(join(dir, 'b.rdb'))], { compression: true, checksum: true, aux: [] });
    await expect(shared.run()).rejects.toThrow(/only sink/);
    const inline = new Snapshot(session.keyspace, [new WorkerFileSink(join(dir, 'c.rdb'))], { compression: true, checksum: true, aux: [], offload: false });
    await expect(inline.run()).rejects.toThrow(/only sink/);
    expect(session.keyspace.snapshot).toBeNull();
    await eventually(() => readdirSync(dir).length === 0 && openDescriptors() <= before, 'the files and descriptors to go');
  });
});

describe('the encoding worker', () => {
  /** Scheduling policy by thread id, of this process's threads (/proc/self/task/<tid>/stat, field 41). */
  const threadPolicies = (): Map<string, number> =>
    new Map(
      readdirSync('/proc/self/task').map((tid) => {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'latin1');
        // Fields after the command name, which is in parentheses and may hold spaces: state is 3.
        return [tid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[41 - 3])];
      }),
    );
  const SCHED_OTHER = 0;
  const SCHED_IDLE = 5;

  async function idleThread(): Promise<string> {
    startEncoderWorker();
    await eventually(() => [...threadPolicies().values()].includes(SCHED_IDLE), 'a thread in SCHED_IDLE');
    const idle = [...threadPolicies()].filter(([, policy]) => policy === SCHED_IDLE);
    expect(idle).toHaveLength(1);
    return idle[0][0];
  }

  function snapshotOf(keys: number): Snapshot {
    const session = new EngineSession();
    for (let i = 0; i < keys; i++) session.run('SET', `key:${i}`, `${'v'.repeat(500)}${i}`);
    return new Snapshot(session.keyspace, [releasingSink()], { compression: true, checksum: true, aux: [] });
  }

  it.runIf(process.platform === 'linux')("runs in the idle scheduling class, alone of the process's threads", async () => {
    await idleThread();
    // The event loop and the rest keep the normal class.
    expect([...threadPolicies().values()].filter((policy) => policy === SCHED_OTHER).length).toBeGreaterThan(1);
  });

  it.runIf(process.platform === 'linux')('leaves the idle class while other processes keep every core busy, and takes it again for the next snapshot', async () => {
    const worker = await idleThread();
    const hogs = Array.from({ length: availableParallelism() + 1 }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
    try {
      const starved = snapshotOf(60_000);
      await starved.run();
      // chrt runs in the worker's helper shell, a moment after the worker asks.
      await eventually(() => threadPolicies().get(worker) === SCHED_OTHER, 'the worker in SCHED_OTHER');
      expect(starved.progress.encoderStarved).toBe(true);
    } finally {
      for (const hog of hogs) hog.kill('SIGKILL');
    }
    const next = snapshotOf(100);
    await next.run();
    await eventually(() => threadPolicies().get(worker) === SCHED_IDLE, 'the worker in SCHED_IDLE again');
    expect(next.progress.encoderStarved).toBe(false);
  }, 60_000);
});
