import { realpathSync, statSync } from 'node:fs';

/**
 * The configuration directives understudy-server understands: names, defaults, parsing and
 * printing, with redis-server 7.0's names and its error texts for bad values.
 */

/** A value Redis would refuse; `message` is the reason text Redis prints. */
export class ConfigValueError extends Error {}

export interface Directive<T> {
  readonly default: T;
  /** Whether CONFIG SET may change it at run time. */
  readonly mutable: boolean;
  /** Parses the arguments following the directive name. */
  parse(args: readonly string[]): T;
  /** The value as CONFIG GET shows it and CONFIG REWRITE writes it. */
  format(value: T): string;
  /** Takes more than one argument in the config file (CONFIG SET passes one string). */
  readonly multiArg?: boolean;
  /**
   * Protected (dir, dbfilename): CONFIG SET may change it only as enable-protected-configs
   * allows, because it lets a client choose where the server writes files.
   */
  readonly protected?: boolean;
  /**
   * CONFIG SET refuses it with -LOADING while the dataset loads at startup (dir: the file
   * being read is found through it).
   */
  readonly denyLoading?: boolean;
  /**
   * How a later line of the same config file combines with earlier ones (save lines add
   * rules); without it the last line wins. CONFIG SET always replaces.
   */
  merge?(previous: T, next: T): T;
}

function single(args: readonly string[]): string {
  if (args.length !== 1) throw new ConfigValueError('wrong number of arguments');
  return args[0];
}

export function bool(defaultValue: boolean, mutable = true): Directive<boolean> {
  return {
    default: defaultValue,
    mutable,
    parse(args) {
      const text = single(args).toLowerCase();
      if (text === 'yes') return true;
      if (text === 'no') return false;
      throw new ConfigValueError("argument must be 'yes' or 'no'");
    },
    format: (value) => (value ? 'yes' : 'no'),
  };
}

export function integer(defaultValue: number, min: number, max: number, mutable = true): Directive<number> {
  return {
    default: defaultValue,
    mutable,
    parse(args) {
      const text = single(args);
      if (!/^-?(0|[1-9]\d*)$/.test(text) || text === '-0') {
        throw new ConfigValueError("argument couldn't be parsed into an integer");
      }
      return checkRange(Number(text), min, max);
    },
    format: (value) => String(value),
  };
}

/** A number written in octal (file permissions), printed back in octal. */
export function octal(defaultValue: number, min: number, max: number, mutable = true): Directive<number> {
  return {
    default: defaultValue,
    mutable,
    parse(args) {
      const text = single(args);
      if (!/^[0-7]+$/.test(text)) throw new ConfigValueError("argument couldn't be parsed as an octal number");
      const value = parseInt(text, 8);
      if (value < min || value > max) throw new ConfigValueError(`argument must be between ${min.toString(8)} and ${max.toString(8)} inclusive`);
      return value;
    },
    format: (value) => value.toString(8),
  };
}

/** A byte size accepting Redis's units: k/m/g are powers of 1000, kb/mb/gb powers of 1024. */
export function memory(defaultValue: number, min: number, max: number, mutable = true): Directive<number> {
  return {
    default: defaultValue,
    mutable,
    parse(args) {
      const value = parseMemory(single(args));
      if (value === null) throw new ConfigValueError('argument must be a memory value');
      return checkRange(value, min, max);
    },
    format: (value) => String(value),
  };
}

export function enumeration<T extends string>(defaultValue: T, values: readonly T[], mutable = true): Directive<T> {
  return {
    default: defaultValue,
    mutable,
    parse(args) {
      const text = single(args).toLowerCase() as T;
      if (!values.includes(text)) {
        throw new ConfigValueError(`argument(s) must be one of the following: ${values.join(', ')}`);
      }
      return text;
    },
    format: (value) => value,
  };
}

export function text(defaultValue: string, mutable = true): Directive<string> {
  return { default: defaultValue, mutable, parse: single, format: (value) => value };
}

/** bind: one or more addresses; a leading '-' marks an address that may be unavailable. */
export function addressList(defaultValue: readonly string[], mutable = true): Directive<readonly string[]> {
  return {
    default: defaultValue,
    mutable,
    multiArg: true,
    parse(args) {
      const addresses = args.length === 1 ? args[0].split(' ').filter((a) => a.length > 0) : args.slice();
      if (addresses.length === 0) throw new ConfigValueError('wrong number of arguments');
      if (addresses.length > 16) throw new ConfigValueError('Too many bind addresses specified.');
      return addresses;
    },
    format: (value) => value.join(' '),
  };
}

export interface OutputBufferLimit {
  hard: number;
  soft: number;
  softSeconds: number;
}

export type OutputBufferLimits = Readonly<Record<'normal' | 'replica' | 'pubsub', OutputBufferLimit>>;

/** client-output-buffer-limit <class> <hard> <soft> <soft seconds>, possibly several classes. */
export function outputBufferLimits(defaultValue: OutputBufferLimits): Directive<OutputBufferLimits> {
  return {
    default: defaultValue,
    mutable: true,
    multiArg: true,
    parse(args) {
      const words = args.length === 1 ? args[0].split(' ').filter((a) => a.length > 0) : args.slice();
      if (words.length === 0 || words.length % 4 !== 0) throw new ConfigValueError('Wrong number of arguments in buffer limit configuration.');
      const limits: Record<'normal' | 'replica' | 'pubsub', OutputBufferLimit> = { ...defaultValue };
      for (let i = 0; i < words.length; i += 4) {
        const name = words[i].toLowerCase();
        const kind = name === 'slave' || name === 'replica' ? 'replica' : name;
        if (kind !== 'normal' && kind !== 'replica' && kind !== 'pubsub') {
          throw new ConfigValueError('Invalid client class specified in buffer limit configuration.');
        }
        const hard = parseMemory(words[i + 1]);
        const soft = parseMemory(words[i + 2]);
        const seconds = /^\d+$/.test(words[i + 3]) ? Number(words[i + 3]) : NaN;
        if (hard === null || soft === null || Number.isNaN(seconds)) {
          throw new ConfigValueError('Error in hard, soft or soft_seconds setting in buffer limit configuration.');
        }
        limits[kind] = { hard, soft, softSeconds: seconds };
      }
      return limits;
    },
    format: (value) =>
      (['normal', 'replica', 'pubsub'] as const)
        .map((kind) => {
          const limit = value[kind];
          return `${kind === 'replica' ? 'slave' : kind} ${limit.hard} ${limit.soft} ${limit.softSeconds}`;
        })
        .join(' '),
  };
}

/** One `save <seconds> <changes>` rule: BGSAVE once that many changes are that old. */
export interface SaveRule {
  seconds: number;
  changes: number;
}

/**
 * A save token as Redis validates it with strtoll: leading white space, an optional sign and
 * digits, nothing after them. An empty token (from "10 ", split on spaces) reads as 0, as
 * strtoll consumes nothing and leaves nothing over; null when malformed.
 */
function saveToken(token: string): bigint | null {
  if (token === '') return 0n;
  const match = /^[ \t\n\v\f\r]*([+-]?\d+)$/.exec(token);
  return match === null ? null : BigInt(match[1]);
}

/**
 * save <seconds> <changes> [<seconds> <changes> ...], or "" for no rules. One argument is split
 * on single spaces as Redis splits CONFIG SET values; an empty token then counts as 0, so it
 * is refused as seconds but accepted as changes. In a config file every save line adds its
 * rules to those of the lines before.
 */
export function saveRules(defaultValue: readonly SaveRule[]): Directive<readonly SaveRule[]> {
  return {
    default: defaultValue,
    mutable: true,
    multiArg: true,
    parse(args) {
      if (args.length === 0 || (args.length === 1 && args[0] === '')) return [];
      const tokens = args.length === 1 ? args[0].split(' ') : args.slice();
      if (tokens.length % 2 !== 0) throw new ConfigValueError('Invalid save parameters');
      const rules: SaveRule[] = [];
      for (let i = 0; i < tokens.length; i += 2) {
        const seconds = saveToken(tokens[i]);
        const changes = saveToken(tokens[i + 1]);
        if (seconds === null || changes === null || seconds < 1n || changes < 0n) throw new ConfigValueError('Invalid save parameters');
        // Redis keeps the changes count in a C int, truncating larger values.
        rules.push({ seconds: Number(seconds), changes: Number(BigInt.asIntN(32, changes)) });
      }
      return rules;
    },
    format: (value) => value.map((rule) => `${rule.seconds} ${rule.changes}`).join(' '),
    merge: (previous, next) => (next.length === 0 ? [] : [...previous, ...next]),
  };
}

/** dbfilename: a plain file name inside `dir`; Redis refuses either separator, '\\' as '/'. */
export function fileName(defaultValue: string): Directive<string> {
  return {
    default: defaultValue,
    mutable: true,
    protected: true,
    parse(args) {
      const value = single(args);
      if (value.includes('/') || value.includes('\\')) throw new ConfigValueError("dbfilename can't be a path, just a filename");
      return value;
    },
    format: (value) => value,
  };
}

/**
 * dir: an existing directory, kept as its absolute path (CONFIG GET answers getcwd's form). A
 * relative value resolves against the process's working directory, which the server keeps at
 * `dir` (it chdir()s on every change, as Redis does), so `dir sub` twice descends twice.
 */
export function directory(defaultValue: string): Directive<string> {
  return {
    default: defaultValue,
    mutable: true,
    protected: true,
    denyLoading: true,
    parse(args) {
      const value = single(args);
      if (value === '') throw new ConfigValueError('No such file or directory');
      let resolved: string;
      try {
        resolved = realpathSync(value);
        if (!statSync(resolved).isDirectory()) throw new ConfigValueError('Not a directory');
      } catch (error) {
        if (error instanceof ConfigValueError) throw error;
        const code = (error as NodeJS.ErrnoException).code;
        throw new ConfigValueError(code === 'ENOTDIR' ? 'Not a directory' : code === 'EACCES' ? 'Permission denied' : 'No such file or directory');
      }
      return resolved;
    },
    format: (value) => value,
  };
}

function checkRange(value: number, min: number, max: number): number {
  if (value < min || value > max) throw new ConfigValueError(`argument must be between ${min} and ${max} inclusive`);
  return value;
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1000, kb: 1024, m: 1000 ** 2, mb: 1024 ** 2, g: 1000 ** 3, gb: 1024 ** 3 };

/** Redis's memtoull: digits followed by an optional unit; null when malformed. */
export function parseMemory(input: string): number | null {
  const match = /^(\d+)([a-z]*)$/i.exec(input);
  if (match === null) return null;
  const unit = UNITS[match[2].toLowerCase()];
  if (unit === undefined) return null;
  const value = Number(match[1]) * unit;
  return Number.isSafeInteger(value) ? value : null;
}
