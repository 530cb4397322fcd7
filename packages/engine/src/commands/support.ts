import type { ExecContext } from '../command.js';
import { NOT_INTEGER, RedisError } from '../errors.js';
import { parseInt64, parseInteger } from '../numbers.js';

/** Records the command's effect in the selected database. */
export function propagate(ctx: ExecContext, argv: string[]): void {
  ctx.keyspace.propagate(ctx.dbIndex, argv);
}

/** An integer argument (string2ll rules); throws "value is not an integer or out of range". */
export function integerArg(text: string): number {
  const value = parseInteger(text);
  if (Number.isNaN(value)) throw NOT_INTEGER;
  return value;
}

/**
 * Redis's getPositiveLongFromObjectOrReply: an integer >= 0. A custom message replaces both
 * the "not an integer" and the "out of range" error, as in Redis.
 */
export function nonNegativeArg(text: string, message = 'value is out of range, must be positive'): number {
  const value = parseInteger(text);
  if (Number.isNaN(value) || value < 0) throw new RedisError(message);
  return value;
}

/** A 64-bit integer argument kept exact (a bigint beyond 2^53). */
export function int64Arg(text: string): number | bigint {
  const value = parseInt64(text);
  if (value === null) throw NOT_INTEGER;
  return value;
}

/** Case-insensitive comparison of an argument with an upper-case keyword. */
export function isKeyword(arg: string, keyword: string): boolean {
  return arg.length === keyword.length && arg.toUpperCase() === keyword;
}

export const UNIT_SECONDS = 1000;
export const UNIT_MILLISECONDS = 1;
const MAX_INT64 = 9223372036854775807n;
const MIN_INT64 = -9223372036854775808n;

/**
 * Parses an expire argument into an absolute unix-ms time the way SET and GETEX do: positive
 * only, seconds scaled to ms, made absolute from `base` (0 for EXAT/PXAT), overflow rejected.
 */
export function absoluteExpireArg(text: string, unit: number, base: number, command: string): number {
  const value = int64Arg(text);
  const error = new RedisError(`invalid expire time in '${command}' command`);
  if (value <= 0) throw error;
  const ms = BigInt(value) * BigInt(unit) + BigInt(base);
  if (ms > MAX_INT64) throw error;
  return Number(ms);
}

/**
 * Parses EXPIRE-family time arguments: any sign, seconds scaled to ms, made absolute from
 * `base`; only overflow is an error. A result <= now means "delete now".
 */
export function expireTimeArg(text: string, unit: number, base: number, command: string): number {
  const value = BigInt(int64Arg(text));
  const error = new RedisError(`invalid expire time in '${command}' command`);
  if (unit === UNIT_SECONDS && (value > MAX_INT64 / 1000n || value < MIN_INT64 / 1000n)) throw error;
  const ms = value * BigInt(unit);
  if (ms > MAX_INT64 - BigInt(base)) throw error;
  return Number(ms + BigInt(base));
}

/** Resolves Redis's [start, end] index pair against a length; null when the range is empty. */
export function clampRange(start: number, end: number, length: number): [number, number] | null {
  if (start < 0) start += length;
  if (end < 0) end += length;
  if (start < 0) start = 0;
  if (start > end || start >= length) return null;
  if (end >= length) end = length - 1;
  return [start, end];
}

/**
 * Key positions of a command with a `numkeys` argument at `at` followed by that many keys
 * (SINTERCARD, ZUNIONSTORE...). Invalid counts yield no keys; the command itself reports them.
 */
export function numkeysPositions(argv: readonly string[], at: number): number[] {
  const numkeys = parseInteger(argv[at] ?? '');
  if (!(numkeys > 0)) return [];
  const positions: number[] = [];
  for (let i = 0; i < numkeys && at + 1 + i < argv.length; i++) positions.push(at + 1 + i);
  return positions;
}

/** A HELP reply in Redis's shape: a header line, the given lines, then HELP itself. */
export function replyHelp(ctx: ExecContext, command: string, lines: readonly string[]): void {
  ctx.reply.array(lines.length + 3);
  ctx.reply.simple(`${command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`);
  for (const line of lines) ctx.reply.simple(line);
  ctx.reply.simple('HELP');
  ctx.reply.simple('    Prints this help.');
}
