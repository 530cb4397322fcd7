import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { freePort, parseInfo, RawClient, type RunningServer, SERVER_MAIN, startRedis, startUnderstudy } from '@understudy/server/testing';
import { residentBytes } from './memory.js';
import { megabytes, printTable, ratio } from './table.js';

/**
 * BGSAVE under a write load, against redis-server 7.0 in the same run: memory during the
 * snapshot, the longest stall clients see, the load's throughput while it runs, how long it
 * takes, how long the file takes to load at startup, and its size.
 *
 * Each server in turn gets the same mixed dataset (70% strings of 700-900 bytes, the rest
 * hashes, lists, sets and sorted sets of 10-50 elements), then redis-benchmark overwrites
 * random string keys as fast as it can; after a warm-up and a baseline window, BGSAVE runs
 * while RSS (20 ms), PING latency (5 ms) and INFO persistence/stats (10 ms) are sampled.
 * Throughput is the server's total_commands_processed over the window (redis-benchmark's own
 * progress lines are shown beside it). After BGSAVE the load runs on for as long again (at
 * most AFTER_MAX_MS) without a snapshot: memory, stalls and throughput during the snapshot are
 * compared with that window of the same load and length, since a garbage-collected heap under
 * a steady write load keeps growing for tens of seconds before it levels off, and a short
 * "before" window would credit the snapshot with that growth. The servers run one after the
 * other, each with a fresh --dir.
 *
 * Everything shares one machine: the load generator, the server, Redis's fork child and this
 * process. The CPU used by anything else meanwhile is reported, as a noise indicator, and
 * understudy-server runs with a probe (loop-delay-probe.ts) that reports its event loop's
 * longest delay all along, so that the stall during the snapshot can be set beside the stall
 * the same load gives without one.
 * BENCH_SNAPSHOT_KEYS sets the size (default 1,000,000); BENCH_SNAPSHOT_LOGS=dir keeps what
 * the servers printed and their dump files; BENCH_SNAPSHOT_NODE_ARGS passes flags to node for
 * understudy-server (e.g. --trace-gc); BENCH_SNAPSHOT_ONLY=understudy measures ours alone.
 */

const WARMUP_MS = 2000;
const BASELINE_MS = 3000;
/** The window after BGSAVE, as long as the snapshot took but at most this. */
const AFTER_MAX_MS = 60_000;
const RSS_EVERY_MS = 20;
const PING_EVERY_MS = 5;
const INFO_EVERY_MS = 10;
const LOAD_BATCH = 1000;
/** redis-benchmark connections and pipeline depth for the overwrite load. */
const LOAD_CLIENTS = 20;
const LOAD_PIPELINE = 16;
const LOAD_VALUE_SIZE = 800;
/** A restart that has not served its dump by then has failed. */
const STARTUP_LIMIT_MS = 10 * 60_000;
/** Shortest window for the lowest throughput seen during the snapshot. */
const LOW_WINDOW_MS = 250;

const TARGET_PEAK_RSS = 1.1;
const TARGET_STALL_MS = 10;
const TARGET_THROUGHPUT = 0.7;
const TARGET_DURATION = 2;
const TARGET_STARTUP = 2;
const TARGET_FILE_SIZE = 0.1;

// ---- cleanup: servers, load generators and temp dirs go away whatever happens ---------------

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();

/** Children that could not be spawned (or signalled), with why. */
const spawnErrors = new WeakMap<ChildProcess, Error>();

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.on('error', (error) => {
    spawnErrors.set(child, error);
    if (child.pid === undefined) children.delete(child);
  });
  return child;
}

/** Throws if the child has exited or could not be started. */
function checkAlive(child: ChildProcess, what: string, output: () => string): void {
  const error = spawnErrors.get(child);
  if (error !== undefined) throw new Error(`${what}: ${error.message}`);
  if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}): ${output().slice(-2000)}`);
}

/** Last resort, on exit: kill what is left and remove the temp dirs, synchronously. */
function killEverything(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

/** Kills what is left and waits (briefly) until it has exited, so nothing outlives the run. */
async function cleanUp(): Promise<void> {
  const running = [...children].filter((child) => child.exitCode === null && child.signalCode === null);
  const exited = running.map((child) => new Promise<void>((resolve) => child.once('exit', () => resolve())));
  for (const child of running) child.kill('SIGKILL');
  await Promise.race([Promise.all(exited), sleep(3000)]);
  killEverything();
}

function onSignal(signal: NodeJS.Signals): void {
  void cleanUp().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
}

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'understudy-snapshot-'));
  tempDirs.add(dir);
  return dir;
}

function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---- the dataset --------------------------------------------------------------------------

/** mulberry32: the same seed gives both servers the same dataset. */
class Random {
  constructor(private state: number) {}

  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
}

/**
 * Word salad from a small, skewed vocabulary with some numbers: LZF gets 800-byte values
 * down to about 63% (moderately compressible, like JSON or text payloads).
 */
class Text {
  private readonly words: string[] = [];

  constructor(private readonly random: Random) {
    for (let i = 0; i < 64; i++) {
      let word = '';
      for (let n = random.int(2, 9); n > 0; n--) word += String.fromCharCode(97 + random.int(0, 25));
      this.words.push(word);
    }
  }

  word(): string {
    return this.words[Math.floor(this.words.length * this.random.next() * this.random.next())];
  }

  text(length: number): string {
    let text = '';
    while (text.length < length) {
      text += this.word();
      text += this.random.next() < 0.1 ? ` ${this.random.int(0, 99_999)} ` : ' ';
    }
    return text.slice(0, length);
  }
}

const pad = (n: number): string => String(n).padStart(12, '0');

/** Word salad to cut values from: a slice has the statistics (and compressibility) of the whole. */
const CORPUS_BYTES = 4 << 20;

/** A batch of RESP commands written straight into a buffer (everything here is ASCII). */
class Batch {
  private buffer = Buffer.allocUnsafe(1 << 20);
  length = 0;
  count = 0;

  constructor(private readonly corpus: Buffer) {}

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  private ascii(text: string): void {
    this.reserve(text.length);
    this.length += this.buffer.write(text, this.length, 'latin1');
  }

  command(argc: number): void {
    this.ascii(`*${argc}\r\n`);
    this.count++;
  }

  arg(text: string): void {
    this.ascii(`$${text.length}\r\n${text}\r\n`);
  }

  /** An argument cut from the corpus at `offset`. */
  text(offset: number, length: number): void {
    this.ascii(`$${length}\r\n`);
    this.reserve(length + 2);
    this.length += this.corpus.copy(this.buffer, this.length, offset, offset + length);
    this.length += this.buffer.write('\r\n', this.length, 'latin1');
  }

  take(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

interface DatasetShape {
  keys: number;
  /** Strings are key:000000000000 up to this count, so redis-benchmark's -r overwrites only them. */
  strings: number;
}

/** Of every 10 keys, 7 are strings and 3 collections (hash, list, set, zset in turn). */
function shape(keys: number): DatasetShape {
  return { keys, strings: Math.floor(keys / 10) * 7 + Math.min(keys % 10, 7) };
}

/** The dataset's commands, LOAD_BATCH at a time, the same for every server. */
function* datasetBatches(keys: number): Generator<{ commands: Buffer; count: number }> {
  const random = new Random(0x5eed);
  const text = new Text(random);
  const corpus = Buffer.from(text.text(CORPUS_BYTES), 'latin1');
  const cut = (batch: Batch, min: number, max: number): void => {
    const length = random.int(min, max);
    batch.text(random.int(0, CORPUS_BYTES - length), length);
  };
  let strings = 0;
  let collections = 0;
  for (let start = 0; start < keys; start += LOAD_BATCH) {
    const end = Math.min(keys, start + LOAD_BATCH);
    const batch = new Batch(corpus);
    for (let position = start; position < end; position++) {
      if (position % 10 < 7) {
        batch.command(3);
        batch.arg('SET');
        batch.arg(`key:${pad(strings++)}`);
        cut(batch, 700, 900);
        continue;
      }
      const index = collections++;
      const elements = random.int(10, 50);
      switch (index % 4) {
        case 0:
          batch.command(2 + 2 * elements);
          batch.arg('HSET');
          batch.arg(`hash:${pad(index)}`);
          for (let i = 0; i < elements; i++) {
            batch.arg(`field:${i}`);
            cut(batch, 5, 25);
          }
          break;
        case 1:
          batch.command(2 + elements);
          batch.arg('RPUSH');
          batch.arg(`list:${pad(index)}`);
          for (let i = 0; i < elements; i++) cut(batch, 5, 30);
          break;
        case 2:
          batch.command(2 + elements);
          batch.arg('SADD');
          batch.arg(`set:${pad(index)}`);
          for (let i = 0; i < elements; i++) batch.arg(`${text.word()}:${random.int(0, 999_999)}`);
          break;
        default:
          batch.command(2 + 2 * elements);
          batch.arg('ZADD');
          batch.arg(`zset:${pad(index)}`);
          for (let i = 0; i < elements; i++) {
            batch.arg(String(random.int(0, 999_999) / 100));
            batch.arg(`${text.word()}:${random.int(0, 999_999)}`);
          }
      }
    }
    yield { commands: batch.take(), count: batch.count };
  }
}

/** Loads the dataset pipelined: the next batch is generated and sent while the server works on the last. */
async function loadDataset(port: number, keys: number): Promise<number> {
  const started = performance.now();
  const client = await RawClient.connect(port);
  const drain = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i++) {
      const reply = await client.reply(120_000);
      if (reply.startsWith('-')) throw new Error(`loading the dataset: ${reply.trim()}`);
    }
  };
  try {
    let owed = 0;
    for (const batch of datasetBatches(keys)) {
      client.write(batch.commands);
      await drain(owed);
      owed = batch.count;
    }
    await drain(owed);
  } finally {
    client.close();
  }
  return performance.now() - started;
}

// ---- measuring ----------------------------------------------------------------------------

async function info(client: RawClient, ...sections: string[]): Promise<Map<string, string>> {
  client.send('INFO', ...sections);
  return parseInfo(await client.reply(60_000));
}

function numberField(fields: Map<string, string>, name: string): number {
  const value = fields.get(name);
  return value === undefined ? NaN : Number(value);
}

/** RSS of a process and of its children (a forked BGSAVE child), 0 for a process that is gone. */
function treeResident(pid: number): { parent: number; children: number } {
  const rss = (of: number): number => {
    try {
      return residentBytes(of);
    } catch {
      return 0;
    }
  };
  let childPids: number[] = [];
  try {
    childPids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    childPids = [];
  }
  return { parent: rss(pid), children: childPids.reduce((total, child) => total + rss(child), 0) };
}

/**
 * CPU time of the whole machine and of the processes in the measurement (server, its fork
 * children once reaped, redis-benchmark, this process), in clock ticks: what is left is other
 * work on the machine, which makes every figure here noisier.
 */
function cpuTicks(pids: readonly number[]): { busy: number; steal: number; ours: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = cpu;
  let ours = 0;
  for (const pid of pids) {
    try {
      // Fields after the command name: state is 3rd, utime/stime 14th/15th, cutime/cstime 16th/17th.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
      ours += fields[11] + fields[12] + fields[13] + fields[14];
    } catch {
      // The process exited after it was listed: nothing more of it to count.
    }
  }
  return { busy: user + nice + system + irq + softirq + steal, steal, ours };
}

/** Share of the machine's CPU (all cores) used outside the measurement between two readings. */
function othersShare(from: ReturnType<typeof cpuTicks>, to: ReturnType<typeof cpuTicks>, ms: number): { others: number; steal: number } {
  const ticksPerMs = 100 / 1000;
  const capacity = ms * ticksPerMs * cpus().length;
  return { others: Math.max(0, to.busy - from.busy - (to.ours - from.ours) - (to.steal - from.steal)) / capacity, steal: (to.steal - from.steal) / capacity };
}

/** redis-benchmark overwriting random string keys with values like the dataset's, until stopped. */
class OverwriteLoad {
  /** Progress lines: redis-benchmark's rate over its last ~250 ms, when the line arrived. */
  readonly rates: { at: number; rps: number }[] = [];
  readonly child: ChildProcess;
  private output = '';

  constructor(port: number, stringKeys: number) {
    const value = new Text(new Random(0x10ad)).text(LOAD_VALUE_SIZE);
    const args = ['-h', '127.0.0.1', '-p', String(port), '-r', String(stringKeys), '-n', '2000000000', '-c', String(LOAD_CLIENTS), '-P', String(LOAD_PIPELINE)];
    this.child = track(spawn('redis-benchmark', [...args, 'SET', 'key:__rand_int__', value], { stdio: ['ignore', 'pipe', 'pipe'] }));
    let pending = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      const lines = pending.split('\r');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const match = /rps=([\d.]+) \(overall/.exec(line);
        if (match !== null) this.rates.push({ at: performance.now(), rps: Number(match[1]) });
        else if (line.trim() !== '') this.output += `${line.trim()}\n`;
      }
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  static describe(stringKeys: number): string {
    return `redis-benchmark -r ${stringKeys} -n 2000000000 -c ${LOAD_CLIENTS} -P ${LOAD_PIPELINE} SET key:__rand_int__ <${LOAD_VALUE_SIZE}-byte value>`;
  }

  /** Throws if redis-benchmark gave up (connection errors, server gone). */
  check(): void {
    checkAlive(this.child, 'redis-benchmark', () => this.output);
  }

  /** Mean of the progress lines that arrived in [from, to]. */
  meanRps(from: number, to: number): number {
    const inside = this.rates.filter((rate) => rate.at > from + 100 && rate.at <= to);
    return inside.length === 0 ? NaN : inside.reduce((total, rate) => total + rate.rps, 0) / inside.length;
  }

  async stop(): Promise<void> {
    await stopChild(this.child);
  }
}

interface InfoSample {
  /** Midpoint of the INFO round trip: when the server read its counters, give or take. */
  at: number;
  sentAt: number;
  processed: number;
  inProgress: boolean;
}

/** RSS every 20 ms, PING every 5 ms on its own connection, INFO persistence+stats every 10 ms. */
class Monitor {
  readonly rss: { at: number; parent: number; children: number }[] = [];
  readonly pings: { sentAt: number; latency: number }[] = [];
  readonly infos: InfoSample[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private outstandingPing: number | null = null;
  private running = true;
  private failure: Error | null = null;
  private infoLoop: Promise<void> = Promise.resolve();

  private constructor(
    private readonly pid: number,
    private readonly pinger: RawClient,
    private readonly poller: RawClient,
  ) {}

  static async start(port: number, pid: number): Promise<Monitor> {
    const monitor = new Monitor(pid, await RawClient.connect(port), await RawClient.connect(port));
    monitor.timers.push(setInterval(() => monitor.sampleRss(), RSS_EVERY_MS));
    monitor.timers.push(setInterval(() => monitor.ping(), PING_EVERY_MS));
    monitor.infoLoop = monitor.pollInfo();
    monitor.sampleRss();
    return monitor;
  }

  private sampleRss(): void {
    this.rss.push({ at: performance.now(), ...treeResident(this.pid) });
  }

  private ping(): void {
    if (this.outstandingPing !== null || !this.running) return;
    const sentAt = performance.now();
    this.outstandingPing = sentAt;
    this.pinger.send('PING');
    this.pinger.reply(120_000).then(
      (reply) => {
        if (reply !== '+PONG\r\n') this.failure ??= new Error(`PING answered ${JSON.stringify(reply)}`);
        this.pings.push({ sentAt, latency: performance.now() - sentAt });
        this.outstandingPing = null;
      },
      (error: unknown) => {
        this.failure ??= error instanceof Error ? error : new Error(String(error));
        this.outstandingPing = null;
      },
    );
  }

  private async pollInfo(): Promise<void> {
    while (this.running) {
      const sentAt = performance.now();
      try {
        const fields = await info(this.poller, 'persistence', 'stats');
        const now = performance.now();
        this.infos.push({
          at: (sentAt + now) / 2,
          sentAt,
          processed: numberField(fields, 'total_commands_processed'),
          inProgress: fields.get('rdb_bgsave_in_progress') === '1',
        });
      } catch (error) {
        this.failure ??= error instanceof Error ? error : new Error(String(error));
        return;
      }
      const wait = sentAt + INFO_EVERY_MS - performance.now();
      if (wait > 0) await sleep(wait);
    }
  }

  /** Resolves with the first INFO sample sent after `after` that shows no BGSAVE running. */
  async bgsaveFinished(after: number, timeoutMs: number): Promise<InfoSample> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      this.check();
      const done = this.infos.find((sample) => sample.sentAt > after && !sample.inProgress);
      if (done !== undefined) return done;
      if (performance.now() > deadline) throw new Error(`BGSAVE still running after ${timeoutMs} ms`);
      await sleep(2);
    }
  }

  check(): void {
    if (this.failure !== null) throw this.failure;
  }

  /** Longest PING round trip overlapping [from, to] (counting one still unanswered), and when it was sent. */
  maxPing(from: number, to: number): { latency: number; sentAt: number } {
    let max = { latency: 0, sentAt: from };
    for (const ping of this.pings) {
      if (ping.sentAt <= to && ping.sentAt + ping.latency >= from && ping.latency > max.latency) max = ping;
    }
    const outstanding = this.outstandingPing;
    if (outstanding !== null && outstanding <= to && to - outstanding > max.latency) max = { latency: to - outstanding, sentAt: outstanding };
    return max;
  }

  pingCount(from: number, to: number): number {
    return this.pings.filter((ping) => ping.sentAt >= from && ping.sentAt <= to).length;
  }

  /** Peak RSS in [from, to]: of the process alone, and with its children. */
  peakRss(from: number, to: number): { parent: number; total: number } {
    let parent = 0;
    let total = 0;
    for (const sample of this.rss) {
      if (sample.at < from || sample.at > to) continue;
      parent = Math.max(parent, sample.parent);
      total = Math.max(total, sample.parent + sample.children);
    }
    return { parent, total };
  }

  /** Commands per second the server processed between the samples nearest to from and to. */
  throughput(from: number, to: number): number {
    const inside = this.infos.filter((sample) => sample.at >= from && sample.at <= to);
    if (inside.length < 2) return NaN;
    const first = inside[0];
    const last = inside[inside.length - 1];
    return ((last.processed - first.processed) * 1000) / (last.at - first.at);
  }

  /** The lowest rate over any window of at least LOW_WINDOW_MS in [from, to]. */
  lowestThroughput(from: number, to: number): number {
    const inside = this.infos.filter((sample) => sample.at >= from && sample.at <= to);
    let lowest = Infinity;
    let j = 0;
    for (let i = 0; i < inside.length; i++) {
      j = Math.max(j, i + 1);
      while (j < inside.length && inside[j].at - inside[i].at < LOW_WINDOW_MS) j++;
      if (j >= inside.length) break;
      lowest = Math.min(lowest, ((inside[j].processed - inside[i].processed) * 1000) / (inside[j].at - inside[i].at));
    }
    return lowest === Infinity ? NaN : lowest;
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const timer of this.timers) clearInterval(timer);
    await this.infoLoop;
    this.pinger.close();
    this.poller.close();
  }
}

// ---- one server -----------------------------------------------------------------------------

type Kind = 'redis-server' | 'understudy';

interface ServerFigures {
  loadMs: number;
  usedMemory: number;
  rssLoaded: number;
  baselineRps: number;
  duringRps: number;
  lowestRps: number;
  clientBaselineRps: number;
  clientDuringRps: number;
  rssBefore: number;
  /** The same load without a snapshot, for as long as it took, right after it. */
  rssAfter: number;
  afterRps: number;
  pingAfterMs: number;
  afterMs: number;
  /** The server's longest event-loop delay before, during and after BGSAVE (probe; understudy only). */
  loopDelayBeforeMs: number;
  loopDelayDuringMs: number;
  loopDelayAfterMs: number;
  /** The same windows' longest delay of a 1 ms tick less the time the loop's thread waited for a CPU (probe). */
  onCpuBeforeMs: number;
  onCpuDuringMs: number;
  onCpuAfterMs: number;
  /** The same windows' probe lines with a delay over TARGET_STALL_MS. */
  overTarget: [ProbeCount, ProbeCount, ProbeCount];
  peakParent: number;
  peakTotal: number;
  pingBaselineMs: number;
  pingDuringMs: number;
  /** When the longest PING during BGSAVE was sent, from BGSAVE. */
  pingDuringAtMs: number;
  pings: number;
  benchLoopDelayMs: number;
  /** Share of the machine's CPU other processes used during the baseline and during BGSAVE. */
  othersBaseline: number;
  othersDuring: number;
  stealDuring: number;
  bgsaveMs: number;
  persistence: Map<string, string>;
  stats: Map<string, string>;
  fileBytes: number;
  startupMs: number;
  startupLogSeconds: number;
  keysAfterRestart: number;
  rssAfterRestart: number;
  /** What the server printed, in both runs. */
  log: string;
}

/** BENCH_SNAPSHOT_LOGS, created if need be; null when unset. */
function keptDir(): string | null {
  const dir = process.env.BENCH_SNAPSHOT_LOGS;
  if (dir === undefined || dir === '') return null;
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** With BENCH_SNAPSHOT_LOGS, each server's dump file is kept there too (to profile loading). */
function keepDump(kind: Kind, dir: string): void {
  const keep = keptDir();
  if (keep === null) return;
  try {
    renameSync(join(dir, 'dump.rdb'), join(keep, `${kind}.rdb`));
  } catch {
    // No dump (the run failed earlier): nothing to keep.
  }
}

/** BENCH_SNAPSHOT_LOGS=dir keeps what each server printed (e.g. with BENCH_SNAPSHOT_NODE_ARGS=--trace-gc). */
function keepLog(kind: Kind, run: string, output: string): void {
  const dir = keptDir();
  if (dir !== null) writeFileSync(join(dir, `${kind}-${run}.log`), output);
}

/** What every run logs at warning level: startup banners, shutdown on SIGTERM, overcommit_memory. */
const EXPECTED_WARNINGS = /Redis is starting|Redis version=|Configuration loaded|Server initialized|overcommit|Received SIGTERM|User requested shutdown|ready to exit/;

/** Unexpected warnings and errors a server logged: pino level >= 40, or Redis's '#' lines. */
function warnings(log: string): string[] {
  return log.split('\n').filter((line) => {
    if (EXPECTED_WARNINGS.test(line)) return false;
    const level = /^\{"level":(\d+)/.exec(line);
    return level !== null ? Number(level[1]) >= 40 : / # /.test(line);
  });
}

/** Flags for node when it runs understudy-server (V8 flags such as --trace-gc, which NODE_OPTIONS refuses). */
const NODE_ARGS = (process.env.BENCH_SNAPSHOT_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
/** Prints understudy-server's event-loop delay all along (see loop-delay-probe.ts). */
const LOOP_DELAY_PROBE = new URL('./loop-delay-probe.js', import.meta.url).href;
const LOOP_DELAY_LINE = /^bench-loop-delay at=(\d+) max_us=(\d+)(?: on_cpu_us=(\d+) tick_us=(\d+))?$/gm;
const LOOP_DELAY_WINDOW_MS = 100;

async function startServer(kind: Kind, dir: string): Promise<RunningServer> {
  const server =
    kind === 'redis-server' ? await startRedis(['--dir', dir]) : await startUnderstudy(['--dir', dir, '--save', ''], { nodeArgs: [...NODE_ARGS, '--import', LOOP_DELAY_PROBE] });
  track(server.process);
  return server;
}

/** What a probe line says: the longest event-loop delay, or the longest less the time spent waiting for a CPU. */
type ProbeFigure = 'delay' | 'onCpu';

/** Probe windows with a delay over the stall target, of all the windows counted. */
interface ProbeCount {
  over: number;
  of: number;
}
const NO_PROBE_COUNT: ProbeCount = { over: 0, of: 0 };

/**
 * What the probe saw of `figure` in [from, to] (performance.now() times), one value in ms per
 * line, none without probe lines (redis-server). A probe line covers the 100 ms before it was
 * printed: `overlapping` counts every line that may include part of the window (for the
 * snapshot), otherwise only lines wholly inside it (for the load alone, which must not be
 * credited with a stall at the start of BGSAVE).
 */
function probeWindows(output: string, figure: ProbeFigure, from: number, to: number, overlapping: boolean): number[] {
  const first = performance.timeOrigin + from + (overlapping ? 0 : LOOP_DELAY_WINDOW_MS);
  const last = performance.timeOrigin + to + (overlapping ? LOOP_DELAY_WINDOW_MS : 0);
  const windows: number[] = [];
  for (const [, at, delayUsec, onCpuUsec, tickUsec] of output.matchAll(LOOP_DELAY_LINE)) {
    const when = Number(at);
    if (when < first || when > last) continue;
    // The histogram can miss a stall at a window's edge that the tick sees (see the probe).
    if (figure === 'delay') windows.push(Math.max(Number(delayUsec), Number(tickUsec ?? 0)) / 1000);
    else if (onCpuUsec !== undefined) windows.push(Number(onCpuUsec) / 1000);
  }
  return windows;
}

/** The longest of a window's probe values, NaN without probe lines. */
function longest(values: readonly number[]): number {
  return values.length === 0 ? NaN : Math.max(...values);
}

/**
 * How many of the probe's 100 ms windows had a delay over the stall target, and of how many:
 * one stall the machine gives now and then reads differently from one in every second.
 */
function overTargetCount(delaysMs: readonly number[]): ProbeCount {
  return { over: delaysMs.filter((delayMs) => delayMs > TARGET_STALL_MS).length, of: delaysMs.length };
}

/** Restarts a server on its dump file; the time from spawn until PING answers PONG (not -LOADING). */
async function timeStartup(kind: Kind, dir: string): Promise<{ ms: number; logSeconds: number; keys: number; rss: number; log: () => string }> {
  const port = await freePort();
  const [command, args] =
    kind === 'redis-server'
      ? ['redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no']]
      : [process.execPath, [...NODE_ARGS, SERVER_MAIN, '--port', String(port), '--dir', dir, '--save', '']];
  const started = performance.now();
  const child = track(spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = started + STARTUP_LIMIT_MS;
  const checkDeadline = (): void => {
    if (performance.now() > deadline) throw new Error(`${kind} did not serve its dump within ${STARTUP_LIMIT_MS / 1000} s: ${output.slice(-2000)}`);
  };
  try {
    let client: RawClient | null = null;
    while (client === null) {
      checkAlive(child, `${kind} restarting on its dump`, () => output);
      checkDeadline();
      try {
        client = await RawClient.connect(port);
      } catch {
        await sleep(2);
      }
    }
    let ms = 0;
    for (;;) {
      client.send('PING');
      const reply = await client.reply(600_000);
      if (reply === '+PONG\r\n') {
        ms = performance.now() - started;
        break;
      }
      if (!reply.startsWith('-LOADING')) throw new Error(`${kind} answered PING with ${JSON.stringify(reply)}`);
      checkDeadline();
      await sleep(2);
    }
    client.send('DBSIZE');
    const keys = Number(/^:(\d+)/.exec(await client.reply(60_000))?.[1] ?? NaN);
    client.close();
    const rss = treeResident(child.pid!).parent;
    // Redis: "DB loaded from disk: 1.234 seconds"; Understudy (pino JSON): "seconds":"1.234",...,"msg":"DB loaded from disk".
    const line = output.split('\n').find((text) => text.includes('DB loaded from disk')) ?? '';
    const seconds = /disk: ([\d.]+) seconds/.exec(line) ?? /"seconds":"?([\d.]+)/.exec(line);
    return { ms, logSeconds: seconds === null ? NaN : Number(seconds[1]), keys, rss, log: () => output };
  } finally {
    await stopChild(child);
  }
}

async function measure(kind: Kind, keys: number): Promise<ServerFigures> {
  const dir = freshDir();
  const { strings } = shape(keys);
  try {
    const server = await startServer(kind, dir);
    let figures: Omit<ServerFigures, 'startupMs' | 'startupLogSeconds' | 'keysAfterRestart' | 'rssAfterRestart' | 'log'>;
    try {
      const pid = server.process.pid!;
      const loadMs = await loadDataset(server.port, keys);
      const control = await RawClient.connect(server.port);
      try {
        control.send('DBSIZE');
        const dbsize = Number(/^:(\d+)/.exec(await control.reply())?.[1] ?? NaN);
        if (dbsize !== keys) throw new Error(`${kind}: DBSIZE ${dbsize} after loading ${keys} keys`);
        await sleep(1000);
        const usedMemory = numberField(await info(control, 'memory'), 'used_memory');
        const rssLoaded = residentBytes(pid);
        process.stderr.write(`${kind}: loaded ${keys} keys in ${(loadMs / 1000).toFixed(1)} s, used_memory ${megabytes(usedMemory)}, RSS ${megabytes(rssLoaded)}\n`);

        const load = new OverwriteLoad(server.port, strings);
        const monitor = await Monitor.start(server.port, pid);
        /** Before, during and after BGSAVE, for the probe's lines, which come a little later. */
        let windows: [number, number][] = [];
        const benchDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 1 });
        const loadStart = performance.now();
        try {
          await sleep(WARMUP_MS);
          load.check();
          const pids = [pid, load.child.pid!, process.pid];
          const baselineStart = performance.now();
          const cpuBaseline = cpuTicks(pids);
          await sleep(BASELINE_MS);
          load.check();
          monitor.check();
          const bgsaveStart = performance.now();
          const cpuStart = cpuTicks(pids);
          benchDelay.enable();
          control.send('BGSAVE');
          const reply = await control.reply(60_000);
          if (!reply.startsWith('+Background saving started')) throw new Error(`${kind}: BGSAVE answered ${JSON.stringify(reply)}`);
          const replied = performance.now();
          const done = await monitor.bgsaveFinished(replied, 30 * 60_000);
          const bgsaveEnd = done.at + (done.at - done.sentAt);
          benchDelay.disable();
          const cpuEnd = cpuTicks(pids);
          const afterStart = performance.now();
          await sleep(Math.min(AFTER_MAX_MS, bgsaveEnd - bgsaveStart));
          load.check();
          const afterEnd = performance.now();
          windows = [
            [baselineStart, bgsaveStart],
            [bgsaveStart, bgsaveEnd],
            [afterStart, afterEnd],
          ];
          const baselineCpu = othersShare(cpuBaseline, cpuStart, bgsaveStart - baselineStart);
          const duringCpu = othersShare(cpuStart, cpuEnd, bgsaveEnd - bgsaveStart);
          const peakDuring = monitor.peakRss(bgsaveStart, bgsaveEnd);
          const pingDuring = monitor.maxPing(bgsaveStart, bgsaveEnd);
          figures = {
            loadMs,
            usedMemory,
            rssLoaded,
            baselineRps: monitor.throughput(baselineStart, bgsaveStart),
            duringRps: monitor.throughput(bgsaveStart, bgsaveEnd),
            lowestRps: monitor.lowestThroughput(bgsaveStart, bgsaveEnd),
            clientBaselineRps: load.meanRps(baselineStart, bgsaveStart),
            clientDuringRps: load.meanRps(bgsaveStart, bgsaveEnd),
            rssBefore: monitor.peakRss(loadStart, bgsaveStart).total,
            rssAfter: monitor.peakRss(afterStart, afterEnd).total,
            afterRps: monitor.throughput(afterStart, afterEnd),
            pingAfterMs: monitor.maxPing(afterStart, afterEnd).latency,
            afterMs: afterEnd - afterStart,
            loopDelayBeforeMs: NaN,
            loopDelayDuringMs: NaN,
            loopDelayAfterMs: NaN,
            onCpuBeforeMs: NaN,
            onCpuDuringMs: NaN,
            onCpuAfterMs: NaN,
            overTarget: [NO_PROBE_COUNT, NO_PROBE_COUNT, NO_PROBE_COUNT],
            peakParent: peakDuring.parent,
            peakTotal: peakDuring.total,
            pingBaselineMs: monitor.maxPing(baselineStart, bgsaveStart).latency,
            pingDuringMs: pingDuring.latency,
            pingDuringAtMs: pingDuring.sentAt - bgsaveStart,
            pings: monitor.pingCount(bgsaveStart, bgsaveEnd),
            benchLoopDelayMs: benchDelay.max / 1e6,
            othersBaseline: baselineCpu.others,
            othersDuring: duringCpu.others,
            stealDuring: duringCpu.steal,
            bgsaveMs: bgsaveEnd - bgsaveStart,
            persistence: new Map(),
            stats: new Map(),
            fileBytes: 0,
          };
        } finally {
          await load.stop();
          await monitor.stop();
        }
        figures.persistence = await info(control, 'persistence');
        figures.stats = await info(control, 'stats');
        if (figures.persistence.get('rdb_last_bgsave_status') !== 'ok') throw new Error(`${kind}: BGSAVE failed: ${server.output().slice(-2000)}`);
        figures.fileBytes = statSync(join(dir, 'dump.rdb')).size;
        // The INFO round trips above took longer than a probe window: its last line is out.
        const delays = windows.map(([from, to], i) => probeWindows(server.output(), 'delay', from, to, i === 1));
        [figures.loopDelayBeforeMs, figures.loopDelayDuringMs, figures.loopDelayAfterMs] = delays.map(longest);
        [figures.onCpuBeforeMs, figures.onCpuDuringMs, figures.onCpuAfterMs] = windows.map(([from, to], i) => longest(probeWindows(server.output(), 'onCpu', from, to, i === 1)));
        const [before, during, after] = delays.map(overTargetCount);
        figures.overTarget = [before, during, after];
      } finally {
        control.close();
      }
    } finally {
      // With no save rules neither server saves on SIGTERM: the file stays the BGSAVE's.
      await server.stop();
      keepLog(kind, 'run', server.output());
    }
    const startup = await timeStartup(kind, dir);
    keepLog(kind, 'restart', startup.log());
    if (startup.keys !== keys) throw new Error(`${kind}: ${startup.keys} keys after restarting on its dump, expected ${keys}`);
    process.stderr.write(`${kind}: BGSAVE ${(figures.bgsaveMs / 1000).toFixed(2)} s, restart ${(startup.ms / 1000).toFixed(2)} s\n`);
    return { ...figures, startupMs: startup.ms, startupLogSeconds: startup.logSeconds, keysAfterRestart: startup.keys, rssAfterRestart: startup.rss, log: server.output() + startup.log() };
  } finally {
    keepDump(kind, dir);
    removeDir(dir);
  }
}

// ---- report ---------------------------------------------------------------------------------

const times = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}x` : 'n/a');
const ms = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(1)} ms` : 'n/a');
const seconds = (value: number): string => (Number.isFinite(value) ? `${(value / 1000).toFixed(2)} s` : 'n/a');
const rps = (value: number): string => (Number.isFinite(value) ? value.toFixed(0) : 'n/a');
const usecAsMs = (fields: Map<string, string>, name: string): string => (fields.has(name) ? ms(numberField(fields, name) / 1000) : 'n/a');
const percent = (share: number): string => `${(share * 100).toFixed(0)}%`;
const field = (fields: Map<string, string>, name: string): string => fields.get(name) ?? 'n/a';
const windowsOverTarget = (figures: ServerFigures): string => figures.overTarget.map(({ over, of }) => (of === 0 ? 'n/a' : `${over} of ${of}`)).join(' / ');

/** The load's rate without a snapshot: the windows before and after it, weighted by length. */
function withoutRps(figures: ServerFigures): number {
  return (figures.baselineRps * BASELINE_MS + figures.afterRps * figures.afterMs) / (BASELINE_MS + figures.afterMs);
}

/**
 * BENCH_SNAPSHOT_ONLY=understudy: our server alone, for profiling a change in half the time.
 * No targets are judged, since they are ratios to redis-server in the same run.
 */
function printOursAlone(ours: ServerFigures): void {
  printTable(
    ['figure (understudy alone, no targets judged)', 'understudy'],
    [
      ['snapshot_max_loop_delay_usec', usecAsMs(ours.persistence, 'snapshot_max_loop_delay_usec')],
      ['snapshot_max_gc_pause_usec', usecAsMs(ours.persistence, 'snapshot_max_gc_pause_usec')],
      ['snapshot_longest_slice_usec', usecAsMs(ours.persistence, 'snapshot_longest_slice_usec')],
      ['snapshot_peak_buffer_bytes', megabytes(numberField(ours.persistence, 'snapshot_peak_buffer_bytes'))],
      ['max PING latency before / during / after', `${ms(ours.pingBaselineMs)} / ${ms(ours.pingDuringMs)} / ${ms(ours.pingAfterMs)}`],
      ['event-loop max delay before / during / after (probe)', `${ms(ours.loopDelayBeforeMs)} / ${ms(ours.loopDelayDuringMs)} / ${ms(ours.loopDelayAfterMs)}`],
      ['max delay less waits for a CPU before / during / after (probe)', `${ms(ours.onCpuBeforeMs)} / ${ms(ours.onCpuDuringMs)} / ${ms(ours.onCpuAfterMs)}`],
      [`100 ms windows with a delay over ${TARGET_STALL_MS} ms before / during / after (probe)`, windowsOverTarget(ours)],
      ['  sent at, from BGSAVE', seconds(ours.pingDuringAtMs)],
      ['load ops/s without / during snapshot (server count)', `${rps(withoutRps(ours))} / ${rps(ours.duringRps)}`],
      ['load throughput during / without', ratio(ours.duringRps, withoutRps(ours))],
      ['lowest 250 ms window during snapshot', rps(ours.lowestRps)],
      ['BGSAVE duration', seconds(ours.bgsaveMs)],
      ['restart until PONG', seconds(ours.startupMs)],
    ],
  );
}

export async function snapshot(options: { keys: number }): Promise<boolean> {
  process.once('exit', killEverything);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    if (process.env.BENCH_SNAPSHOT_ONLY === 'understudy') {
      printOursAlone(await measure('understudy', options.keys));
      return true;
    }
    const redis = await measure('redis-server', options.keys);
    const ours = await measure('understudy', options.keys);
    const { strings } = shape(options.keys);

    console.log(
      `BGSAVE under load: ${options.keys} keys (${strings} strings of 700-900 bytes, ${options.keys - strings} hashes/lists/sets/zsets of 10-50 elements);` +
        ` load ${OverwriteLoad.describe(strings)}; warm-up ${WARMUP_MS / 1000} s, baseline ${BASELINE_MS / 1000} s, then BGSAVE`,
    );
    printTable(
      ['figure', 'redis-server', 'understudy'],
      [
        ['dataset load (pipelined)', seconds(redis.loadMs), seconds(ours.loadMs)],
        ['used_memory after load', megabytes(redis.usedMemory), megabytes(ours.usedMemory)],
        ['RSS after load', megabytes(redis.rssLoaded), megabytes(ours.rssLoaded)],
        ['load ops/s without snapshot (server count)', rps(redis.baselineRps), rps(ours.baselineRps)],
        ['load ops/s during snapshot (server count)', rps(redis.duringRps), rps(ours.duringRps)],
        [`lowest ${LOW_WINDOW_MS} ms window during snapshot`, rps(redis.lowestRps), rps(ours.lowestRps)],
        ['redis-benchmark rps without / during (client)', `${rps(redis.clientBaselineRps)} / ${rps(redis.clientDuringRps)}`, `${rps(ours.clientBaselineRps)} / ${rps(ours.clientDuringRps)}`],
        ['load ops/s after, same load without snapshot', rps(redis.afterRps), rps(ours.afterRps)],
        ['peak RSS under load before BGSAVE', megabytes(redis.rssBefore), megabytes(ours.rssBefore)],
        ['peak RSS under the same load after, as long as BGSAVE', megabytes(redis.rssAfter), megabytes(ours.rssAfter)],
        ['peak RSS during BGSAVE: server process', megabytes(redis.peakParent), megabytes(ours.peakParent)],
        ['peak RSS during BGSAVE: with fork child', megabytes(redis.peakTotal), megabytes(ours.peakTotal)],
        ['rdb_last_cow_size', megabytes(numberField(redis.persistence, 'rdb_last_cow_size')), megabytes(numberField(ours.persistence, 'rdb_last_cow_size'))],
        ['snapshot_peak_buffer_bytes', 'n/a', megabytes(numberField(ours.persistence, 'snapshot_peak_buffer_bytes'))],
        ['snapshot_keys_captured_ahead', 'n/a', field(ours.persistence, 'snapshot_keys_captured_ahead')],
        ['latest_fork_usec', usecAsMs(redis.stats, 'latest_fork_usec'), usecAsMs(ours.stats, 'latest_fork_usec')],
        ['snapshot_longest_slice_usec', 'n/a', usecAsMs(ours.persistence, 'snapshot_longest_slice_usec')],
        ['snapshot_longest_slice_without_gc_usec', 'n/a', usecAsMs(ours.persistence, 'snapshot_longest_slice_without_gc_usec')],
        ['snapshot_max_loop_delay_usec', 'n/a', usecAsMs(ours.persistence, 'snapshot_max_loop_delay_usec')],
        ['snapshot_max_gc_pause_usec', 'n/a', usecAsMs(ours.persistence, 'snapshot_max_gc_pause_usec')],
        ['max PING latency without snapshot (before)', ms(redis.pingBaselineMs), ms(ours.pingBaselineMs)],
        ['max PING latency without snapshot (after, as long)', ms(redis.pingAfterMs), ms(ours.pingAfterMs)],
        ['max PING latency during snapshot', ms(redis.pingDuringMs), ms(ours.pingDuringMs)],
        ['server event-loop max delay before / during / after (probe)', 'n/a', `${ms(ours.loopDelayBeforeMs)} / ${ms(ours.loopDelayDuringMs)} / ${ms(ours.loopDelayAfterMs)}`],
        ['max delay less waits for a CPU before / during / after (probe)', 'n/a', `${ms(ours.onCpuBeforeMs)} / ${ms(ours.onCpuDuringMs)} / ${ms(ours.onCpuAfterMs)}`],
        [`100 ms windows with a delay over ${TARGET_STALL_MS} ms before / during / after (probe)`, 'n/a', windowsOverTarget(ours)],
        ['  sent at, from BGSAVE', seconds(redis.pingDuringAtMs), seconds(ours.pingDuringAtMs)],
        ['PINGs answered during snapshot', String(redis.pings), String(ours.pings)],
        ["bench client's own max loop delay meanwhile", ms(redis.benchLoopDelayMs), ms(ours.benchLoopDelayMs)],
        ['CPU used outside the measured processes: baseline / BGSAVE', `${percent(redis.othersBaseline)} / ${percent(redis.othersDuring)}`, `${percent(ours.othersBaseline)} / ${percent(ours.othersDuring)}`],
        ['CPU steal during BGSAVE', percent(redis.stealDuring), percent(ours.stealDuring)],
        ['BGSAVE duration (until rdb_bgsave_in_progress:0)', seconds(redis.bgsaveMs), seconds(ours.bgsaveMs)],
        ['rdb_last_bgsave_time_sec', field(redis.persistence, 'rdb_last_bgsave_time_sec'), field(ours.persistence, 'rdb_last_bgsave_time_sec')],
        ['dump.rdb size', `${redis.fileBytes} (${megabytes(redis.fileBytes)})`, `${ours.fileBytes} (${megabytes(ours.fileBytes)})`],
        ['restart until PONG', seconds(redis.startupMs), seconds(ours.startupMs)],
        ['"DB loaded from disk" in its log', seconds(redis.startupLogSeconds * 1000), seconds(ours.startupLogSeconds * 1000)],
        ['keys after restart', String(redis.keysAfterRestart), String(ours.keysAfterRestart)],
        ['RSS after restart', megabytes(redis.rssAfterRestart), megabytes(ours.rssAfterRestart)],
      ],
    );

    // Without a snapshot: the higher of the windows before and after it.
    const peakOurs = ours.peakTotal / Math.max(ours.rssBefore, ours.rssAfter);
    const peakRedis = redis.peakTotal / Math.max(redis.rssBefore, redis.rssAfter);
    const loopDelayMs = numberField(ours.persistence, 'snapshot_max_loop_delay_usec') / 1000;
    const ownStallMs = numberField(ours.persistence, 'snapshot_longest_slice_without_gc_usec') / 1000;
    const oursWithoutRps = withoutRps(ours);
    const throughputOurs = ours.duringRps / oursWithoutRps;
    const duration = ours.bgsaveMs / redis.bgsaveMs;
    const startup = ours.startupMs / redis.startupMs;
    const fileSize = ours.fileBytes / redis.fileBytes;
    const targets: { name: string; redis: string; ours: string; ratio: string; target: string; met: boolean }[] = [
      {
        name: '(1) peak RSS during BGSAVE / same load without',
        redis: `${times(peakRedis)} (parent+child)`,
        ours: times(peakOurs),
        ratio: '',
        target: `understudy <= ${TARGET_PEAK_RSS.toFixed(2)}x`,
        met: peakOurs <= TARGET_PEAK_RSS,
      },
      {
        name: '(2) longest event-loop stall (server)',
        redis: `${usecAsMs(redis.stats, 'latest_fork_usec')} (fork)`,
        // Beside it, what the same load gives without a snapshot: the machine's own share.
        ours: `${ms(loopDelayMs)} (load alone ${ms(Math.max(ours.loopDelayBeforeMs, ours.loopDelayAfterMs))})`,
        ratio: '',
        target: `<= ${TARGET_STALL_MS} ms`,
        met: loopDelayMs <= TARGET_STALL_MS,
      },
      {
        name: "(2) the walk's longest slice, less reported GC pauses",
        redis: 'n/a',
        ours: ms(ownStallMs),
        ratio: '',
        target: `<= ${TARGET_STALL_MS} ms`,
        met: ownStallMs <= TARGET_STALL_MS,
      },
      {
        name: '(2) max PING latency during BGSAVE (client)',
        redis: ms(redis.pingDuringMs),
        ours: ms(ours.pingDuringMs),
        ratio: '',
        target: `<= ${TARGET_STALL_MS} ms`,
        met: ours.pingDuringMs <= TARGET_STALL_MS,
      },
      {
        name: '(3) load throughput during / without (before and after)',
        redis: ratio(redis.duringRps, withoutRps(redis)),
        ours: ratio(ours.duringRps, oursWithoutRps),
        ratio: '',
        target: `understudy >= ${TARGET_THROUGHPUT * 100}%`,
        met: throughputOurs >= TARGET_THROUGHPUT,
      },
      {
        name: '(4) BGSAVE duration',
        redis: seconds(redis.bgsaveMs),
        ours: seconds(ours.bgsaveMs),
        ratio: times(duration),
        target: `<= ${TARGET_DURATION}x`,
        met: duration <= TARGET_DURATION,
      },
      {
        name: '(5) load at startup (until PONG)',
        redis: seconds(redis.startupMs),
        ours: seconds(ours.startupMs),
        ratio: times(startup),
        target: `<= ${TARGET_STARTUP}x`,
        met: startup <= TARGET_STARTUP,
      },
      {
        name: '(6) dump.rdb size',
        redis: megabytes(redis.fileBytes),
        ours: megabytes(ours.fileBytes),
        ratio: times(fileSize),
        target: `within ${TARGET_FILE_SIZE * 100}%`,
        met: Math.abs(fileSize - 1) <= TARGET_FILE_SIZE,
      },
    ];
    printTable(
      ['target', 'redis-server', 'understudy', 'ratio', 'target', ''],
      targets.map((row) => [row.name, row.redis, row.ours, row.ratio, row.target, row.met ? 'met' : 'MISSED']),
    );
    for (const row of targets) console.log(`target ${row.name}: ${row.target}: ${row.met ? 'met' : 'MISSED'} (understudy ${row.ours}${row.ratio === '' ? '' : `, ${row.ratio} of redis-server`})`);
    console.log('');
    const busiest = Math.max(redis.othersBaseline, redis.othersDuring, ours.othersBaseline, ours.othersDuring);
    if (busiest > 0.1) {
      console.log(`note: other work took up to ${percent(busiest)} of the machine's CPU while measuring (kernel writeback counts too): treat the figures as noisy.\n`);
    }
    for (const [kind, figures] of [['redis-server', redis], ['understudy', ours]] as const) {
      const lines = warnings(figures.log);
      if (lines.length === 0) continue;
      console.log(`${kind} logged ${lines.length} warning(s)${lines.length > 10 ? ', the first 10' : ''}:`);
      for (const line of lines.slice(0, 10)) console.log(`  ${line.length > 300 ? `${line.slice(0, 300)}...` : line}`);
      console.log('');
    }
    return targets.every((row) => row.met);
  } finally {
    await cleanUp();
    process.removeListener('exit', killEverything);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
