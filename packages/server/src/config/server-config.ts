import {
  addressList,
  bool,
  ConfigValueError,
  type Directive,
  directory,
  enumeration,
  fileName,
  integer,
  memory,
  octal,
  outputBufferLimits,
  saveRules,
  text,
} from './directives.js';

const INT_MAX = 2147483647;
const INT_MIN = -2147483648;
const LLONG_MAX = Number.MAX_SAFE_INTEGER;
const MB = 1024 * 1024;

/** Every directive understudy-server accepts, by its redis.conf name. */
export const DIRECTIVES = {
  // Listening addresses change only at startup; CONFIG SET refuses them as immutable.
  port: integer(6379, 0, 65535, false),
  bind: addressList(['127.0.0.1', '-::1'], false),
  'protected-mode': bool(true),
  'tcp-backlog': integer(511, 0, INT_MAX, false),
  'tcp-keepalive': integer(300, 0, INT_MAX),
  timeout: integer(0, 0, INT_MAX),
  unixsocket: text('', false),
  unixsocketperm: octal(0, 0, 0o777, false),
  requirepass: text(''),
  databases: integer(16, 1, INT_MAX, false),
  hz: integer(10, 0, INT_MAX),
  loglevel: enumeration('notice', ['debug', 'verbose', 'notice', 'warning']),
  logfile: text('', false),
  pidfile: text('', false),
  dir: directory(process.cwd()),
  // RDB persistence. No save rules by default: a primary keeps its latency off the disk.
  save: saveRules([]),
  dbfilename: fileName('dump.rdb'),
  rdbcompression: bool(true),
  rdbchecksum: bool(true, false),
  'stop-writes-on-bgsave-error': bool(true),
  /** Test aids, as in Redis: microseconds to wait per key saved / loaded. */
  'rdb-key-save-delay': integer(0, INT_MIN, INT_MAX),
  'key-load-delay': integer(0, INT_MIN, INT_MAX),
  'enable-protected-configs': enumeration('no', ['no', 'yes', 'local'], false),
  maxclients: integer(10000, 1, INT_MAX),
  'proto-max-bulk-len': memory(512 * MB, MB, LLONG_MAX),
  'client-query-buffer-limit': memory(1024 * MB, MB, LLONG_MAX),
  'client-output-buffer-limit': outputBufferLimits({
    normal: { hard: 0, soft: 0, softSeconds: 0 },
    replica: { hard: 256 * MB, soft: 64 * MB, softSeconds: 60 },
    pubsub: { hard: 32 * MB, soft: 8 * MB, softSeconds: 60 },
  }),
  'enable-debug-command': enumeration('no', ['no', 'yes', 'local'], false),
  // Redis 7.0's compiled defaults (its sample redis.conf says 128 entries for hashes).
  'hash-max-listpack-entries': integer(512, 0, LLONG_MAX),
  'hash-max-listpack-value': memory(64, 0, LLONG_MAX),
  'set-max-intset-entries': integer(512, 0, LLONG_MAX),
  'zset-max-listpack-entries': integer(128, 0, LLONG_MAX),
  'zset-max-listpack-value': memory(64, 0, LLONG_MAX),
  'list-max-listpack-size': integer(-2, -5, INT_MAX),
  'list-compress-depth': integer(0, 0, INT_MAX),
} satisfies Record<string, Directive<unknown>>;

/** Older names Redis still accepts for the same settings. */
export const ALIASES: Readonly<Record<string, ConfigName>> = {
  'hash-max-ziplist-entries': 'hash-max-listpack-entries',
  'hash-max-ziplist-value': 'hash-max-listpack-value',
  'zset-max-ziplist-entries': 'zset-max-listpack-entries',
  'zset-max-ziplist-value': 'zset-max-listpack-value',
  'list-max-ziplist-size': 'list-max-listpack-size',
};

export type ConfigName = keyof typeof DIRECTIVES;
export type ConfigValue<N extends ConfigName> = (typeof DIRECTIVES)[N] extends Directive<infer T> ? T : never;

export function directiveNamed(name: string): ConfigName | null {
  const lower = name.toLowerCase();
  if (Object.hasOwn(DIRECTIVES, lower)) return lower as ConfigName;
  return ALIASES[lower] ?? null;
}

type Listener = (name: ConfigName) => void;

/** Current values of all directives, with change notification for run-time effects. */
export class ServerConfig {
  /** The file the configuration came from, which CONFIG REWRITE updates. */
  file: string | null = null;
  private readonly values = new Map<ConfigName, unknown>();
  private readonly listeners: Listener[] = [];

  constructor() {
    for (const name of Object.keys(DIRECTIVES) as ConfigName[]) this.values.set(name, DIRECTIVES[name].default);
  }

  get<N extends ConfigName>(name: N): ConfigValue<N> {
    return this.values.get(name) as ConfigValue<N>;
  }

  /**
   * Parses and stores a value; throws ConfigValueError with Redis's reason text. With
   * `merge`, a directive that merges (save) combines the value with the current one, as a
   * further config file line does.
   */
  set(name: ConfigName, args: readonly string[], merge = false): void {
    const directive = DIRECTIVES[name] as Directive<unknown>;
    const value = this.parse(name, args);
    this.values.set(name, merge && directive.merge !== undefined ? directive.merge(this.values.get(name), value) : value);
    for (const listener of this.listeners) listener(name);
  }

  /** Parses a value without storing it; throws ConfigValueError with Redis's reason text. */
  parse(name: ConfigName, args: readonly string[]): unknown {
    return (DIRECTIVES[name] as Directive<unknown>).parse(args);
  }

  /** The value as CONFIG GET prints it. */
  format(name: ConfigName): string {
    return (DIRECTIVES[name] as Directive<unknown>).format(this.values.get(name));
  }

  isDefault(name: ConfigName): boolean {
    const directive = DIRECTIVES[name] as Directive<unknown>;
    return directive.format(directive.default) === this.format(name);
  }

  onChange(listener: Listener): void {
    this.listeners.push(listener);
  }
}

export { ConfigValueError };
