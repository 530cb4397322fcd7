import type { Socket } from 'node:net';
import type { CommandSpec, Database, ExecContext, Keyspace } from '@understudy/engine';
import { ReplyWriter, RequestParser } from '@understudy/protocol';
import type { Server } from './server.js';
import type { WatchedKey } from './watch.js';

/** A command waiting in a MULTI block. */
export interface QueuedCommand {
  spec: CommandSpec<Client>;
  argv: string[];
}

/** Why and until when a client is parked. */
export interface BlockState {
  /** The command to run again when a key is ready. */
  argv: string[];
  spec: CommandSpec<Client>;
  keys: readonly string[];
  dbIndex: number;
  /** Unix ms, 0 for never. */
  deadline: number;
  timer: NodeJS.Timeout | null;
}

export type ReplyMode = 'on' | 'off' | 'skip' | 'skip-next';

/**
 * One connection: its socket, request parser, reply buffer and the per-connection state Redis
 * keeps (selected database, name, authentication, MULTI queue, subscriptions, flags).
 */
export class Client implements ExecContext {
  readonly id: number;
  readonly keyspace: Keyspace;
  readonly parser = new RequestParser();
  /** Where replies go: `output`, or while CLIENT REPLY is OFF or SKIP, a writer that is discarded. */
  reply: ReplyWriter;
  readonly output = new ReplyWriter();
  private discarded: ReplyWriter | null = null;
  dbIndex = 0;
  name = '';
  authenticated: boolean;
  /** Unix ms of connection and of the last command. */
  readonly createdAt = Date.now();
  lastInteraction = this.createdAt;
  lastCommand = 'NULL';
  /** Queued commands while in MULTI; null otherwise. */
  multi: QueuedCommand[] | null = null;
  /** A queued command was refused: EXEC must answer EXECABORT. */
  multiFailed = false;
  /** A watched key changed: EXEC must answer null. */
  watchDirty = false;
  /** Keys under WATCH. */
  watched: WatchedKey[] = [];
  /** True while EXEC runs the queue. */
  inTransaction = false;
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  blocked: BlockState | null = null;
  /** Command parked by CLIENT PAUSE, run when the pause ends. */
  paused: QueuedCommand | null = null;
  monitor = false;
  replyMode: ReplyMode = 'on';
  /** Close once pending replies are written (QUIT, protocol errors). */
  closeAfterReply = false;
  closed = false;
  /** Set while this client has output not yet handed to the socket. */
  pendingFlush = false;
  /** Unix ms since which output has stayed above the soft limit, or 0. */
  softLimitSince = 0;

  constructor(
    readonly server: Server,
    readonly socket: Socket,
    id: number,
    readonly address: string,
    readonly localAddress: string,
  ) {
    this.id = id;
    this.keyspace = server.keyspace;
    this.reply = this.output;
    this.authenticated = server.config.get('requirepass') === '';
    this.parser.authRequired = !this.authenticated;
  }

  get db(): Database {
    return this.keyspace.databases[this.dbIndex];
  }

  get protocol(): 2 | 3 {
    return this.output.protocol;
  }

  set protocol(version: 2 | 3) {
    this.output.protocol = version;
  }

  get subscriptionCount(): number {
    return this.channels.size + this.patterns.size;
  }

  /** RESP2 clients with subscriptions may only run (un)subscribe commands, PING and QUIT. */
  get inPubSubContext(): boolean {
    return this.output.protocol === 2 && this.subscriptionCount > 0;
  }

  setReplyMode(mode: ReplyMode): void {
    this.replyMode = mode;
    this.reply = mode === 'on' ? this.output : (this.discarded ??= new ReplyWriter());
  }

  /** After each command: a SKIP covers exactly the next command. */
  commandDone(): void {
    if (this.replyMode === 'skip') this.replyMode = 'skip-next';
    else if (this.replyMode === 'skip-next') this.setReplyMode('on');
    this.dropDiscarded();
  }

  /** Frees what was written while replies were off (pub/sub messages included). */
  dropDiscarded(): void {
    this.discarded?.discard();
  }

  block(keys: readonly string[], deadline: number): void {
    this.server.blocking.block(this, keys, deadline);
  }

  authenticate(): void {
    this.authenticated = true;
    this.parser.authRequired = false;
  }
}
