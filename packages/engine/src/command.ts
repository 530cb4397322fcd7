import type { ReplyWriter } from '@understudy/protocol';
import type { Database } from './database.js';
import { ArityError, RedisError, UnknownCommandError, UnknownSubcommandError } from './errors.js';
import type { Keyspace } from './keyspace.js';

/** What a command handler runs against. The server's client implements it. */
export interface ExecContext {
  readonly keyspace: Keyspace;
  /** Number of the selected database. */
  dbIndex: number;
  /**
   * The selected database. Implementations read it through the keyspace on every access:
   * FLUSHDB and SWAPDB replace Database objects under every client.
   */
  readonly db: Database;
  readonly reply: ReplyWriter;
  /** Inside MULTI/EXEC a blocking command must answer at once instead of blocking. */
  readonly inTransaction: boolean;
  /**
   * Parks the client until one of `keys` is created in the selected database or `deadline`
   * (unix ms, 0 = never) passes; the command is then executed again. Only called by commands
   * flagged `blocking`, never inside a transaction.
   */
  block(keys: readonly string[], deadline: number): void;
}

export type CommandHandler<C extends ExecContext = ExecContext> = (ctx: C, argv: string[]) => void;

/** Command flags, as COMMAND INFO names them. */
export const CommandFlags = {
  write: 1 << 0,
  readonly: 1 << 1,
  denyoom: 1 << 2,
  admin: 1 << 3,
  pubsub: 1 << 4,
  noscript: 1 << 5,
  blocking: 1 << 6,
  loading: 1 << 7,
  stale: 1 << 8,
  skip_monitor: 1 << 9,
  skip_slowlog: 1 << 10,
  fast: 1 << 11,
  no_auth: 1 << 12,
  may_replicate: 1 << 13,
  no_mandatory_keys: 1 << 14,
  no_multi: 1 << 15,
  movablekeys: 1 << 16,
  allow_busy: 1 << 17,
  protected: 1 << 18,
  no_async_loading: 1 << 19,
} as const;

export type CommandFlagName = keyof typeof CommandFlags;

export interface CommandDefinition<C extends ExecContext = ExecContext> {
  /** Lower-case name; for a subcommand, the subcommand alone ("get" under "config"). */
  name: string;
  /** Redis arity: exact argument count including the name, or -N for "at least N". */
  arity: number;
  /** Space-separated flag names. */
  flags: string;
  /** [first, last, step] key positions (last -1 = the final argument); omitted when keyless. */
  keys?: readonly [number, number, number];
  /** Key positions for commands whose keys move (numkeys arguments). */
  keysOf?: (argv: readonly string[]) => number[];
  /** ACL categories without '@'. */
  acl: string;
  run?: CommandHandler<C>;
  /**
   * For blocking commands: serves a parked call from `key`, which has just been created.
   * Returns false, leaving the client parked, when the key cannot serve it (wrong type).
   */
  serveBlocked?: (ctx: C, argv: string[], key: string) => boolean;
  subcommands?: CommandDefinition<C>[];
}

export class CommandSpec<C extends ExecContext = ExecContext> {
  readonly name: string;
  /** "get", or "config|get" for a subcommand: the name arity errors print. */
  readonly fullName: string;
  readonly arity: number;
  readonly flags: number;
  readonly flagNames: readonly CommandFlagName[];
  readonly firstKey: number;
  readonly lastKey: number;
  readonly keyStep: number;
  readonly categories: readonly string[];
  readonly handler: CommandHandler<C> | null;
  readonly serveBlocked: ((ctx: C, argv: string[], key: string) => boolean) | null;
  readonly subcommands: ReadonlyMap<string, CommandSpec<C>> | null;
  private readonly keysOf: ((argv: readonly string[]) => number[]) | null;

  constructor(definition: CommandDefinition<C>, parent: CommandSpec<C> | null = null) {
    this.name = definition.name;
    this.fullName = parent === null ? definition.name : `${parent.name}|${definition.name}`;
    this.arity = definition.arity;
    const flagNames = definition.flags.split(/\s+/).filter((f) => f.length > 0) as CommandFlagName[];
    if (definition.keysOf !== undefined) flagNames.push('movablekeys');
    let flags = 0;
    for (const flag of flagNames) {
      const bit = CommandFlags[flag];
      if (bit === undefined) throw new Error(`unknown flag ${flag} on ${this.fullName}`);
      flags |= bit;
    }
    this.flags = flags;
    this.flagNames = flagNames;
    [this.firstKey, this.lastKey, this.keyStep] = definition.keys ?? [0, 0, 0];
    this.categories = definition.acl.split(/\s+/).filter((c) => c.length > 0).map((c) => `@${c}`);
    this.handler = definition.run ?? null;
    this.serveBlocked = definition.serveBlocked ?? null;
    this.keysOf = definition.keysOf ?? null;
    if (definition.subcommands === undefined) {
      this.subcommands = null;
    } else {
      const subcommands = new Map<string, CommandSpec<C>>();
      for (const sub of definition.subcommands) subcommands.set(sub.name, new CommandSpec(sub, this));
      this.subcommands = subcommands;
    }
  }

  has(flag: number): boolean {
    return (this.flags & flag) !== 0;
  }

  /** Positions of the key arguments in argv. */
  keyPositions(argv: readonly string[]): number[] {
    if (this.keysOf !== null) return this.keysOf(argv);
    if (this.firstKey === 0) return [];
    const last = this.lastKey < 0 ? argv.length + this.lastKey : this.lastKey;
    const positions: number[] = [];
    for (let i = this.firstKey; i <= last && i < argv.length; i += this.keyStep) positions.push(i);
    return positions;
  }

  arityMatches(argc: number): boolean {
    return this.arity >= 0 ? argc === this.arity : argc >= -this.arity;
  }
}

/**
 * The command table: names (matched case-insensitively) to specs, with Redis's rules for
 * container commands such as CONFIG GET.
 */
export class CommandTable<C extends ExecContext = ExecContext> {
  private readonly byName = new Map<string, CommandSpec<C>>();
  private readonly specs: CommandSpec<C>[] = [];

  register(definitions: readonly CommandDefinition<C>[]): void {
    for (const definition of definitions) {
      const spec = new CommandSpec(definition);
      if (this.byName.has(spec.name)) throw new Error(`command ${spec.name} registered twice`);
      this.specs.push(spec);
      this.byName.set(spec.name, spec);
      // Clients send names in upper or lower case; both hit the map without a toLowerCase().
      this.byName.set(spec.name.toUpperCase(), spec);
    }
  }

  get(name: string): CommandSpec<C> | undefined {
    return this.byName.get(name) ?? this.byName.get(name.toLowerCase());
  }

  all(): readonly CommandSpec<C>[] {
    return this.specs;
  }

  /**
   * The spec that runs argv, following a container command to its subcommand. Throws the
   * error Redis gives for an unknown command or subcommand, or a wrong argument count.
   */
  resolve(argv: readonly string[]): CommandSpec<C> {
    const spec = this.get(argv[0]);
    if (spec === undefined) throw new UnknownCommandError(argv);
    let target = spec;
    if (spec.subcommands !== null && argv.length >= 2) {
      const sub = spec.subcommands.get(argv[1].toLowerCase());
      if (sub === undefined) throw new UnknownSubcommandError(argv[1], spec.name);
      target = sub;
    }
    if (!target.arityMatches(argv.length)) throw new ArityError(target.fullName);
    return target;
  }
}

/** Runs a resolved command, turning a RedisError into its error reply. */
export function runCommand<C extends ExecContext>(ctx: C, spec: CommandSpec<C>, argv: string[]): void {
  try {
    spec.handler!(ctx, argv);
  } catch (error) {
    if (!(error instanceof RedisError)) throw error;
    ctx.reply.error(error.reply);
  }
}
