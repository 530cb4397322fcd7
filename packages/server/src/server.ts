import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import {
  type CommandSpec,
  CommandFlags,
  CommandTable,
  engineCommands,
  Keyspace,
  type KeyspaceListener,
  RedisError,
} from '@understudy/engine';
import { ProtocolError } from '@understudy/protocol';
import { removeQuietly, startEncoderWorker, warmUpSnapshots } from '@understudy/rdb';
import { BlockingRegistry } from './blocking.js';
import { Client } from './client.js';
import { serverCommands } from './commands/index.js';
import type { ServerConfig } from './config/server-config.js';
import { defaultInfoSections, type InfoSection } from './info.js';
import { Listeners } from './listeners.js';
import { type Logger, pinoLevel } from './logger.js';
import { monitorLine } from './monitor.js';
import { DatasetLoadingError, type PersistenceHost, RdbPersistence } from './persistence.js';
import { PubSub } from './pubsub.js';
import { FAST_TIMING_SAMPLE, ServerStats } from './stats.js';
import { WatchRegistry } from './watch.js';

/** The Redis version we answer as (HELLO, INFO): the one whose behaviour we reproduce. */
export const REDIS_VERSION = '7.0.15';
export const UNDERSTUDY_VERSION = '0.1.0';

/** The command clock is read again after this many commands of one batch. */
const CLOCK_REFRESH_COMMANDS = 32;
/** Commands that run immediately even inside MULTI. */
const TRANSACTION_CONTROL = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);
/** Commands a RESP2 client may send while subscribed. */
const PUBSUB_CONTEXT = new Set(['ping', 'subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe', 'quit', 'reset']);
const MAX_CLIENTS_REACHED = Buffer.from('-ERR max number of clients reached\r\n');
const PROTECTED_MODE = Buffer.from(
  '-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. ' +
    'In this mode connections are only accepted from the loopback interface. ' +
    'To accept other connections, set a password (requirepass) or turn protected mode off ' +
    '(CONFIG SET protected-mode no from a local connection, or --protected-mode no at startup), ' +
    'making sure the server is not reachable from untrusted networks.\r\n',
);
const MISCONF = new RedisError(
  "Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.",
  'MISCONF',
);
const DEBUG_NOT_ALLOWED = new RedisError(
  'DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.',
);

/**
 * The server process: clients, the command loop, and what spans clients (pub/sub, WATCH,
 * blocked clients, CLIENT PAUSE, MONITOR).
 *
 * Replies are not written as commands run: every client with output is flushed once per turn of
 * the event loop, after all readable sockets were served, as Redis writes in beforeSleep.
 */
export class Server implements PersistenceHost {
  readonly keyspace: Keyspace;
  readonly table = new CommandTable<Client>();
  readonly clients = new Map<number, Client>();
  readonly pubsub = new PubSub();
  readonly watches: WatchRegistry;
  readonly blocking = new BlockingRegistry(this);
  readonly monitors = new Set<Client>();
  readonly stats = new ServerStats();
  readonly startedAt = Date.now();
  readonly version = REDIS_VERSION;
  readonly ownVersion = UNDERSTUDY_VERSION;
  /** A random id for this run of the server (INFO run_id). */
  readonly runId = randomBytes(20).toString('hex');
  readonly heapLimit = getHeapStatistics().heap_size_limit;
  readonly infoSections: Map<string, InfoSection> = defaultInfoSections();
  readonly persistence: RdbPersistence;
  memoryPeak = 0;
  /** Called by SHUTDOWN once the server has stopped (the executable exits the process). */
  onShutdown: () => void = () => undefined;
  /** CLIENT PAUSE: until when, and whether only writes wait. */
  pause: { until: number; writesOnly: boolean; timer: NodeJS.Timeout } | null = null;
  /** The command being executed, which a blocking command parks with its client. */
  currentSpec: CommandSpec<Client> | null = null;
  currentArgv: string[] = [];

  private readonly listeners: Listeners;
  private nextClientId = 1;
  private executionDepth = 0;
  private readonly pending: Client[] = [];
  private flushScheduled = false;
  private cron: NodeJS.Timeout | null = null;
  private shuttingDown = false;
  private readonly keyspaceEvents: KeyspaceListener;

  constructor(
    readonly config: ServerConfig,
    readonly log: Logger,
  ) {
    this.keyspace = new Keyspace(config.get('databases'));
    this.watches = new WatchRegistry(this.keyspace);
    this.listeners = new Listeners((socket) => this.accept(socket), log);
    this.table.register(engineCommands.map((definition) => {
      const run = definition.run;
      if (definition.name !== 'flushall' || run === undefined) return definition;
      // FLUSHALL also resets the snapshot on disk when there are save rules, as in Redis.
      const runAndSave = (client: Client, argv: string[]): void => {
        run(client, argv);
        this.persistence.flushedAll();
      };
      return { ...definition, run: runAndSave };
    }));
    this.table.register(serverCommands);
    this.persistence = new RdbPersistence(this);
    this.applyLimits();
    config.onChange((name) => this.configChanged(name));
    const watches = this.watches;
    const blocking = this.blocking;
    this.keyspaceEvents = {
      keyModified: (db, key) => watches.touched(db, key),
      keyCreated: (db, key) => blocking.keyCreated(db, key),
      databaseReplaced: (index, previous, current) => {
        watches.databaseReplaced(index, previous, current);
        blocking.databaseReplaced(index, current);
      },
    };
  }

  /** While the dataset loads at startup, most commands answer -LOADING. */
  get loading(): boolean {
    return this.persistence.loading !== null;
  }

  // ---- lifecycle ------------------------------------------------------------------------

  async start(): Promise<void> {
    process.chdir(this.config.get('dir'));
    // Before the load, while the process is small: the worker starts a helper process (see
    // startEncoderWorker). The warm-up uses the worker, which takes one snapshot at a time,
    // so it finishes before any client can ask for one. A failure only costs the warm-up:
    // the server can serve, and BGSAVE reports its own errors.
    startEncoderWorker();
    await warmUpSnapshots().catch((error: unknown) => this.log.warn({ err: error }, 'Snapshot warm-up failed'));
    const port = this.config.get('port');
    if (port !== 0) {
      for (const address of this.config.get('bind')) await this.listeners.listenTcp(address, port, this.config.get('tcp-backlog'));
    }
    const unixsocket = this.config.get('unixsocket');
    if (unixsocket !== '') await this.listeners.listenUnix(unixsocket, this.config.get('unixsocketperm'));
    const pidfile = this.config.get('pidfile');
    if (pidfile !== '') writeFileSync(pidfile, `${process.pid}\n`);
    this.startCron();
    this.log.info({ port }, 'Server initialized');
    // Clients may connect while the dataset loads; they get -LOADING until it is in.
    await this.persistence.loadAtStartup();
    serveWithSerialScavenges();
    this.log.info({ port, bind: this.config.get('bind'), version: REDIS_VERSION }, 'Ready to accept connections');
  }

  /** INFO used_memory: the JavaScript heap in use plus memory held outside it (buffers, string slab cells in use). */
  usedMemory(usage: NodeJS.MemoryUsage = process.memoryUsage()): number {
    return usage.heapUsed + usage.external + this.keyspace.slabBytes().used;
  }

  /** Stops listening and disconnects every client. */
  async close(): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    if (this.cron !== null) clearInterval(this.cron);
    if (this.pause !== null) clearTimeout(this.pause.timer);
    for (const client of this.clients.values()) {
      this.flush(client);
      client.socket.destroy();
    }
    await this.listeners.close();
    const pidfile = this.config.get('pidfile');
    if (pidfile !== '') removeQuietly(pidfile);
  }

  /**
   * SHUTDOWN, SIGTERM and SIGINT. The dataset is saved first when save rules exist (unless
   * NOSAVE) or SAVE was asked, except while it is still loading. If that save fails the server
   * stays up, unless FORCE, and this returns false. Then it stops serving and lets the owner
   * of the process decide what exiting means.
   */
  shutdown(options: { save?: boolean; nosave?: boolean; force?: boolean } = {}): boolean {
    this.log.warn('User requested shutdown...');
    const persistence = this.persistence;
    persistence.abortBgsave('shutdown');
    const save = !this.loading && options.nosave !== true && (options.save === true || this.config.get('save').length > 0);
    if (save) {
      this.log.info('Saving the final RDB snapshot before exiting.');
      if (!persistence.saveNow()) {
        if (options.force !== true) {
          this.log.warn("Error trying to save the DB, can't exit.");
          this.log.warn('Errors trying to shut down the server. Check the logs for more information.');
          return false;
        }
        this.log.warn('Error trying to save the DB. Exit anyway.');
      }
    }
    void this.close().then(() => {
      this.log.warn('Redis is now ready to exit, bye bye...');
      this.onShutdown();
    });
    return true;
  }

  // ---- connections ----------------------------------------------------------------------

  private accept(socket: Socket): void {
    this.stats.connectionsReceived++;
    if (this.clients.size >= this.config.get('maxclients')) {
      this.refuse(socket, MAX_CLIENTS_REACHED);
      return;
    }
    const remote = socket.remoteAddress;
    if (this.config.get('protected-mode') && this.config.get('requirepass') === '' && remote !== undefined && !isLoopback(remote)) {
      this.refuse(socket, PROTECTED_MODE);
      return;
    }
    const unix = `${this.config.get('unixsocket')}:0`;
    const address = remote === undefined ? unix : formatAddress(remote, socket.remotePort ?? 0);
    const localAddress = socket.localAddress === undefined ? unix : formatAddress(socket.localAddress, socket.localPort ?? 0);
    const client = new Client(this, socket, this.nextClientId++, address, localAddress);
    this.applyParserLimits(client);
    this.clients.set(client.id, client);
    const keepalive = this.config.get('tcp-keepalive');
    if (keepalive > 0 && remote !== undefined) socket.setKeepAlive(true, keepalive * 1000);
    socket.on('data', (chunk: Buffer) => this.onData(client, chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => this.freeClient(client));
  }

  private refuse(socket: Socket, reply: Buffer): void {
    this.stats.rejectedConnections++;
    socket.on('error', () => undefined);
    socket.end(reply);
  }

  private onData(client: Client, chunk: Buffer): void {
    if (client.closed) return;
    client.lastInteraction = Date.now();
    this.stats.netInputBytes += chunk.length;
    this.stats.readsProcessed++;
    try {
      client.parser.append(chunk);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.log.warn({ client: client.address, id: client.id, qbuf: client.parser.bufferedBytes }, 'Closing client that reached max query buffer length');
      this.closeClient(client);
      return;
    }
    this.processInput(client);
  }

  /** Runs the commands a client has sent, in order, until it blocks or runs out of input. */
  processInput(client: Client): void {
    const parser = client.parser;
    let sinceClock = 0;
    while (client.blocked === null && client.paused === null && !client.closeAfterReply && !client.closed) {
      // One clock reading serves a run of pipelined commands, like Redis's cached mstime.
      if (sinceClock-- === 0) {
        this.keyspace.setTime(Date.now());
        sinceClock = CLOCK_REFRESH_COMMANDS;
      }
      let argv: string[] | null;
      try {
        argv = parser.next();
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        if (error.reply) client.output.error(`ERR ${error.message}`);
        this.log.debug({ client: client.address, id: client.id, reason: error.reason }, 'Protocol error from client');
        client.closeAfterReply = true;
        break;
      }
      if (argv === null) break;
      this.processCommand(client, argv);
    }
    this.markPending(client);
  }

  /**
   * Checks a command the way redis-server's processCommand does, in the same order, then runs
   * it, queues it (MULTI) or parks it (CLIENT PAUSE).
   */
  processCommand(client: Client, argv: string[]): void {
    const first = argv[0];
    const initial = first.charCodeAt(0) | 0x20;
    if ((initial === 0x70 || initial === 0x68) && (first.toLowerCase() === 'post' || first.toLowerCase() === 'host:')) {
      this.log.warn({ client: client.address }, 'Possible SECURITY ATTACK detected: POST or Host: sent to the Redis port. Connection aborted.');
      this.closeClient(client);
      return;
    }
    let spec: CommandSpec<Client>;
    try {
      spec = this.table.resolve(argv);
    } catch (error) {
      if (!(error instanceof RedisError)) throw error;
      this.reject(client, error, this.table.get(first) ?? null);
      return;
    }
    if (!client.authenticated && !spec.has(CommandFlags.no_auth)) {
      this.reject(client, new RedisError('Authentication required.', 'NOAUTH'), spec);
      return;
    }
    if (client.multi !== null && spec.has(CommandFlags.no_multi)) {
      this.reject(client, new RedisError('Command not allowed inside a transaction'), spec);
      return;
    }
    if (spec.has(CommandFlags.protected) && !this.allows('enable-debug-command', client)) {
      this.reject(client, DEBUG_NOT_ALLOWED, spec);
      return;
    }
    if (this.persistence.writesDenied && this.writesRefusedOnDiskError(client, spec)) {
      this.reject(client, MISCONF, spec);
      return;
    }
    if (client.inPubSubContext && !PUBSUB_CONTEXT.has(spec.name)) {
      this.reject(
        client,
        new RedisError(`Can't execute '${spec.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`),
        spec,
      );
      return;
    }
    if (this.loading && !spec.has(CommandFlags.loading)) {
      this.reject(client, new DatasetLoadingError(), spec);
      return;
    }
    if (this.pause !== null && this.mustWaitForPause(spec, client)) {
      client.paused = { spec, argv };
      return;
    }
    if (client.multi !== null && !TRANSACTION_CONTROL.has(spec.name)) {
      client.multi.push({ spec, argv });
      client.reply.simple('QUEUED');
      return;
    }
    this.call(client, spec, argv);
    this.blocking.serveReady();
  }

  /**
   * enable-debug-command and enable-protected-configs: no, yes, or local (loopback and unix
   * socket clients only).
   */
  allows(option: 'enable-debug-command' | 'enable-protected-configs', client: Client): boolean {
    const setting = this.config.get(option);
    if (setting === 'local') {
      const remote = client.socket.remoteAddress;
      return remote === undefined || isLoopback(remote);
    }
    return setting === 'yes';
  }

  /**
   * stop-writes-on-bgsave-error refuses what may change the dataset (an EXEC of queued
   * writes too) and, as in Redis, PING: a health check should see the disk trouble.
   */
  private writesRefusedOnDiskError(client: Client, spec: CommandSpec<Client>): boolean {
    if (spec.has(CommandFlags.write) || spec.name === 'ping') return true;
    return spec.name === 'exec' && client.multi !== null && client.multi.some((queued) => queued.spec.has(CommandFlags.write));
  }

  /** A command refused before running: the error reply, and a failed MULTI if one is open. */
  private reject(client: Client, error: RedisError, spec: CommandSpec<Client> | null): void {
    client.reply.error(error.reply);
    this.stats.countError(error.code);
    if (spec !== null) this.stats.command(spec).rejectedCalls++;
    if (client.multi !== null) client.multiFailed = true;
  }

  /**
   * Runs a command and records its statistics; the effects of an outermost call are committed.
   * The caller has set the command clock (keyspace.setTime).
   */
  call(client: Client, spec: CommandSpec<Client>, argv: string[]): void {
    const outermost = this.executionDepth === 0;
    this.executionDepth++;
    this.currentSpec = spec;
    this.currentArgv = argv;
    if (this.monitors.size > 0 && !spec.has(CommandFlags.skip_monitor) && !spec.has(CommandFlags.admin)) {
      this.feedMonitors(client, argv);
    }
    client.lastCommand = spec.fullName;
    const stats = this.stats.command(spec);
    const timed = !spec.has(CommandFlags.fast) || stats.calls % FAST_TIMING_SAMPLE === 0;
    const started = timed ? performance.now() : 0;
    try {
      spec.handler!(client, argv);
    } catch (error) {
      stats.failedCalls++;
      if (error instanceof RedisError) {
        client.reply.error(error.reply);
        this.stats.countError(error.code);
      } else {
        this.log.error({ err: error, command: spec.fullName }, 'Command failed unexpectedly');
        client.reply.error('ERR internal error while executing the command');
        this.stats.countError('ERR');
      }
    } finally {
      this.executionDepth--;
    }
    stats.calls++;
    if (timed) {
      stats.timedCalls++;
      stats.timedUsec += (performance.now() - started) * 1000;
    }
    this.stats.commandsProcessed++;
    if (outermost) this.keyspace.commitEffects();
    client.commandDone();
  }

  /**
   * Serves a parked command from a key that was just created. Returns false when the key
   * cannot serve it and the client stays parked; an error reply also ends the wait.
   */
  serveBlocked(client: Client, key: string): boolean {
    const state = client.blocked!;
    const serve = state.spec.serveBlocked!;
    this.keyspace.setTime(Date.now());
    this.currentSpec = state.spec;
    this.currentArgv = state.argv;
    let served: boolean;
    try {
      served = serve(client, state.argv, key);
    } catch (error) {
      if (!(error instanceof RedisError)) throw error;
      client.reply.error(error.reply);
      this.stats.countError(error.code);
      served = true;
    }
    this.keyspace.commitEffects();
    if (!served) return false;
    this.stats.command(state.spec).calls++;
    this.stats.commandsProcessed++;
    this.blocking.unblock(client);
    this.resumeClient(client);
    return true;
  }

  // ---- output ---------------------------------------------------------------------------

  /** Queues a client's replies for the flush at the end of this turn of the event loop. */
  markPending(client: Client): void {
    if (client.pendingFlush) return;
    client.pendingFlush = true;
    this.pending.push(client);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushPending());
    }
  }

  flushPending(): void {
    this.flushScheduled = false;
    const pending = this.pending;
    for (let i = 0; i < pending.length; i++) {
      const client = pending[i];
      client.pendingFlush = false;
      this.flush(client);
    }
    pending.length = 0;
  }

  /** Hands a client's pending replies to its socket and enforces its output buffer limits. */
  flush(client: Client): void {
    if (client.closed) return;
    client.dropDiscarded();
    const out = client.output.take();
    const socket = client.socket;
    if (out !== null) {
      this.stats.netOutputBytes += out.length;
      this.stats.writesProcessed++;
      if (client.closeAfterReply) {
        socket.end(out);
        return;
      }
      socket.write(out);
      this.checkOutputLimits(client);
    } else if (client.closeAfterReply) {
      socket.end();
    }
  }

  /** client-output-buffer-limit: past the hard limit, or the soft one for too long, closes. */
  private checkOutputLimits(client: Client): void {
    const limits = this.config.get('client-output-buffer-limit');
    const limit = client.subscriptionCount > 0 ? limits.pubsub : limits.normal;
    if (limit.hard === 0 && limit.soft === 0) return;
    const used = client.socket.writableLength;
    const now = Date.now();
    let exceeded = limit.hard > 0 && used >= limit.hard;
    if (!exceeded && limit.soft > 0 && used >= limit.soft) {
      if (client.softLimitSince === 0) client.softLimitSince = now;
      exceeded = now - client.softLimitSince >= limit.softSeconds * 1000;
    } else if (used < limit.soft) {
      client.softLimitSince = 0;
    }
    if (exceeded) {
      this.log.warn({ client: client.address, id: client.id, omem: used }, 'Client scheduled to be closed ASAP for overcoming of output buffer limits.');
      this.closeClient(client);
    }
  }

  private feedMonitors(client: Client, argv: string[]): void {
    const where = client.socket.remoteAddress === undefined ? `unix:${this.config.get('unixsocket')}` : client.address;
    const line = monitorLine(Date.now(), client.dbIndex, where, argv);
    for (const monitor of this.monitors) {
      monitor.reply.simple(line);
      this.markPending(monitor);
    }
  }

  // ---- clients --------------------------------------------------------------------------

  /** Closes a connection at once, dropping unsent replies. */
  closeClient(client: Client): void {
    if (client.closed) return;
    client.socket.destroy();
    this.freeClient(client);
  }

  private freeClient(client: Client): void {
    if (client.closed) return;
    client.closed = true;
    this.clients.delete(client.id);
    this.blocking.unblock(client);
    this.watches.unwatchAll(client);
    this.pubsub.forget(client);
    this.monitors.delete(client);
    this.listenerNeeded();
  }

  /** Continues, on the next turn, with input that arrived while a client was blocked or paused. */
  resumeClient(client: Client): void {
    this.markPending(client);
    setImmediate(() => {
      if (!client.closed) this.processInput(client);
    });
  }

  /** Attaches the keyspace listener only while WATCH or blocked clients need it. */
  listenerNeeded(): void {
    this.keyspace.listener = this.watches.active || this.blocking.count > 0 ? this.keyspaceEvents : null;
  }

  private mustWaitForPause(spec: CommandSpec<Client>, client: Client): boolean {
    const pause = this.pause!;
    if (!pause.writesOnly) return true;
    if (spec.name === 'exec' && client.multi !== null) return client.multi.some((queued) => queued.spec.has(CommandFlags.write));
    return spec.has(CommandFlags.write) || spec.has(CommandFlags.may_replicate);
  }

  /** Ends CLIENT PAUSE and runs the commands it held back. */
  unpause(): void {
    if (this.pause === null) return;
    clearTimeout(this.pause.timer);
    this.pause = null;
    this.keyspace.setTime(Date.now());
    for (const client of this.clients.values()) {
      const parked = client.paused;
      if (parked === null) continue;
      client.paused = null;
      this.processCommand(client, parked.argv);
      this.resumeClient(client);
    }
  }

  // ---- configuration --------------------------------------------------------------------

  private applyLimits(): void {
    const limits = this.keyspace.limits;
    const config = this.config;
    limits.hashMaxListpackEntries = config.get('hash-max-listpack-entries');
    limits.hashMaxListpackValue = config.get('hash-max-listpack-value');
    limits.setMaxIntsetEntries = config.get('set-max-intset-entries');
    limits.zsetMaxListpackEntries = config.get('zset-max-listpack-entries');
    limits.zsetMaxListpackValue = config.get('zset-max-listpack-value');
    limits.maxStringLength = config.get('proto-max-bulk-len');
  }

  private configChanged(name: string): void {
    this.applyLimits();
    switch (name) {
      case 'proto-max-bulk-len':
      case 'client-query-buffer-limit':
        for (const client of this.clients.values()) this.applyParserLimits(client);
        break;
      case 'hz':
        this.startCron();
        break;
      case 'loglevel':
        this.log.level = pinoLevel(this.config.get('loglevel'));
        break;
      case 'dir':
        process.chdir(this.config.get('dir'));
        break;
      default:
        break;
    }
  }

  private applyParserLimits(client: Client): void {
    client.parser.maxBulkLength = this.config.get('proto-max-bulk-len');
    client.parser.queryBufferLimit = this.config.get('client-query-buffer-limit');
  }

  // ---- periodic work --------------------------------------------------------------------

  private startCron(): void {
    if (this.cron !== null) clearInterval(this.cron);
    const hz = Math.min(500, Math.max(1, this.config.get('hz')));
    let ticks = 0;
    let lastSample = 0;
    this.cron = setInterval(() => {
      const now = Date.now();
      this.keyspace.setTime(now);
      this.keyspace.activeExpireCycle(hz);
      this.persistence.cron();
      if (++ticks % hz === 0) this.closeIdleClients(now);
      if (now - lastSample >= 100) {
        lastSample = now;
        this.stats.sampleOps(now);
      }
    }, Math.round(1000 / hz));
    this.cron.unref();
  }

  /** CONFIG RESETSTAT. */
  resetStats(): void {
    this.stats.reset();
    const keyspace = this.keyspace.stats;
    keyspace.expiredKeys = 0;
    keyspace.keyspaceHits = 0;
    keyspace.keyspaceMisses = 0;
    this.memoryPeak = 0;
    this.persistence.saves = 0;
  }

  /** timeout: closes clients idle for longer, except blocked ones, subscribers and monitors. */
  private closeIdleClients(now: number): void {
    const timeout = this.config.get('timeout');
    if (timeout === 0) return;
    for (const client of this.clients.values()) {
      if (client.blocked !== null || client.subscriptionCount > 0 || client.monitor) continue;
      if (now - client.lastInteraction > timeout * 1000) {
        this.log.debug({ client: client.address, id: client.id }, 'Closing idle client');
        this.closeClient(client);
      }
    }
  }
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

function formatAddress(address: string, port: number): string {
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return `${plain}:${port}`;
}

/**
 * From here on V8 collects its young generation on the main thread alone. Loading a dump,
 * where everything allocated survives, gains from helper threads; serving does not: stored
 * long strings live in the slabs, so a scavenge copies little (about 5 ms), but a parallel
 * one waits for every helper it started, and with the CPUs busy (clients, the snapshot's
 * compression worker) a preempted helper holds the event loop. In the snapshot benchmark's
 * write load the 99th percentile scavenge went from 42 ms with helpers to 9 ms without (the
 * median stayed 5 ms). V8 reads the flag at every scavenge, so setting it now takes effect.
 */
function serveWithSerialScavenges(): void {
  setFlagsFromString('--no-parallel-scavenge');
}
