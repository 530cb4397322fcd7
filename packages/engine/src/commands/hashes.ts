import type { CommandDefinition, ExecContext } from '../command.js';
import type { Database } from '../database.js';
import { ArityError, NOT_FLOAT, RedisError, SYNTAX } from '../errors.js';
import { addLongDouble, formatLongDouble, parseLongDouble } from '../long-double.js';
import { addInt64, int64ToString, parseInt64 } from '../numbers.js';
import { HashValue } from '../values/hash-value.js';
import { asHash } from '../values/value.js';
import { randomCountArg, randomPicks, randomPosition } from './random.js';
import { matches, parseCursor, parseScanOptions, replyScan, scanPositions } from './scan.js';
import { int64Arg, isKeyword, propagate } from './support.js';

function readHash(ctx: ExecContext, key: string): HashValue | null {
  const slot = ctx.db.lookupRead(key);
  return slot < 0 ? null : asHash(ctx.db.value(slot));
}

/** The hash at a key for writing, created empty when missing (Redis's hashTypeLookupWriteOrCreate). */
function writableHash(db: Database, key: string): HashValue {
  const slot = db.lookup(key);
  if (slot < 0) {
    const hash = new HashValue();
    db.add(key, hash);
    return hash;
  }
  asHash(db.value(slot));
  return db.writable(slot) as HashValue;
}

/** Converts a listpack hash whose new fields or values are too long for it. */
function convertForLongArguments(ctx: ExecContext, hash: HashValue, argv: string[], from: number): void {
  if (!hash.isListpack) return;
  const limit = ctx.keyspace.limits.hashMaxListpackValue;
  for (let i = from; i < argv.length; i++) {
    if (argv[i].length > limit) {
      hash.convertToTable();
      return;
    }
  }
}

/**
 * Converts a listpack hash about to hold a field or value too long for it. HINCRBY and
 * HINCRBYFLOAT make their values (HINCRBYFLOAT 1e400 gives 401 digits): what counts is the value
 * stored, not the increment's argument, as in Redis.
 */
function convertForLongEntry(ctx: ExecContext, hash: HashValue, field: string, value: string): void {
  const limit = ctx.keyspace.limits.hashMaxListpackValue;
  if (hash.isListpack && (field.length > limit || value.length > limit)) hash.convertToTable();
}

function convertIfLarge(ctx: ExecContext, hash: HashValue): void {
  if (hash.isListpack && hash.size > ctx.keyspace.limits.hashMaxListpackEntries) hash.convertToTable();
}

function hset(ctx: ExecContext, argv: string[], replyCount: boolean): void {
  if (argv.length % 2 === 1) throw new ArityError(replyCount ? 'hset' : 'hmset');
  const key = argv[1];
  const hash = writableHash(ctx.db, key);
  convertForLongArguments(ctx, hash, argv, 2);
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) if (hash.set(argv[i], argv[i + 1])) created++;
  convertIfLarge(ctx, hash);
  ctx.db.modified(key);
  ctx.keyspace.dirty += (argv.length - 2) / 2;
  if (replyCount) ctx.reply.integer(created);
  else ctx.reply.ok();
  propagate(ctx, argv);
}

function hsetnx(ctx: ExecContext, argv: string[]): void {
  const [, key, field, value] = argv;
  const hash = writableHash(ctx.db, key);
  if (hash.has(field)) {
    ctx.reply.integer(0);
    return;
  }
  convertForLongArguments(ctx, hash, argv, 2);
  hash.set(field, value);
  convertIfLarge(ctx, hash);
  ctx.db.modified(key);
  ctx.keyspace.dirty++;
  ctx.reply.integer(1);
  propagate(ctx, argv);
}

function hget(ctx: ExecContext, argv: string[]): void {
  const value = readHash(ctx, argv[1])?.get(argv[2]);
  if (value === undefined) ctx.reply.nil();
  else ctx.reply.bulk(value);
}

function hmget(ctx: ExecContext, argv: string[]): void {
  const hash = readHash(ctx, argv[1]);
  ctx.reply.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const value = hash?.get(argv[i]);
    if (value === undefined) ctx.reply.nil();
    else ctx.reply.bulk(value);
  }
}

function hdel(ctx: ExecContext, argv: string[]): void {
  const db = ctx.db;
  const key = argv[1];
  const slot = db.lookup(key);
  if (slot < 0) {
    ctx.reply.integer(0);
    return;
  }
  asHash(db.value(slot));
  const hash = db.writable(slot) as HashValue;
  let deleted = 0;
  for (let i = 2; i < argv.length; i++) {
    if (hash.delete(argv[i])) {
      deleted++;
      if (hash.size === 0) break;
    }
  }
  if (deleted > 0) {
    if (hash.size === 0) db.remove(db.peek(key));
    else db.modified(key);
    ctx.keyspace.dirty += deleted;
    propagate(ctx, argv);
  }
  ctx.reply.integer(deleted);
}

function hlen(ctx: ExecContext, argv: string[]): void {
  ctx.reply.integer(readHash(ctx, argv[1])?.size ?? 0);
}

function hstrlen(ctx: ExecContext, argv: string[]): void {
  ctx.reply.integer(readHash(ctx, argv[1])?.get(argv[2])?.length ?? 0);
}

function hexists(ctx: ExecContext, argv: string[]): void {
  ctx.reply.integer(readHash(ctx, argv[1])?.has(argv[2]) === true ? 1 : 0);
}

function hkeys(ctx: ExecContext, argv: string[]): void {
  const hash = readHash(ctx, argv[1]);
  const size = hash?.size ?? 0;
  ctx.reply.array(size);
  for (let i = 0; i < size; i++) ctx.reply.bulk(hash!.fieldAt(i));
}

function hvals(ctx: ExecContext, argv: string[]): void {
  const hash = readHash(ctx, argv[1]);
  const size = hash?.size ?? 0;
  ctx.reply.array(size);
  for (let i = 0; i < size; i++) ctx.reply.bulk(hash!.valueAt(i));
}

function hgetall(ctx: ExecContext, argv: string[]): void {
  const hash = readHash(ctx, argv[1]);
  const size = hash?.size ?? 0;
  ctx.reply.map(size);
  for (let i = 0; i < size; i++) {
    ctx.reply.bulk(hash!.fieldAt(i));
    ctx.reply.bulk(hash!.valueAt(i));
  }
}

function hincrby(ctx: ExecContext, argv: string[]): void {
  const [, key, field] = argv;
  const increment = int64Arg(argv[3]);
  const hash = writableHash(ctx.db, key);
  const current = hash.get(field);
  let value: number | bigint = 0;
  if (current !== undefined) {
    const parsed = parseInt64(current);
    if (parsed === null) throw new RedisError('hash value is not an integer');
    value = parsed;
  }
  const result = addInt64(value, increment);
  if (result === null) throw new RedisError('increment or decrement would overflow');
  const text = int64ToString(result);
  convertForLongEntry(ctx, hash, field, text);
  hash.set(field, text);
  convertIfLarge(ctx, hash);
  ctx.db.modified(key);
  ctx.keyspace.dirty++;
  ctx.reply.integer(result);
  propagate(ctx, argv);
}

function hincrbyfloat(ctx: ExecContext, argv: string[]): void {
  const [, key, field] = argv;
  const increment = parseLongDouble(argv[3]);
  if (increment === null) throw NOT_FLOAT;
  if (increment.infinite) throw new RedisError('value is NaN or Infinity');
  const hash = writableHash(ctx.db, key);
  const current = hash.get(field);
  const value = current === undefined ? parseLongDouble('0') : parseLongDouble(current);
  if (value === null) throw new RedisError('hash value is not a float');
  const sum = addLongDouble(value, increment);
  if (sum.infinite) throw new RedisError('increment would produce NaN or Infinity');
  const text = formatLongDouble(sum);
  convertForLongEntry(ctx, hash, field, text);
  hash.set(field, text);
  convertIfLarge(ctx, hash);
  ctx.db.modified(key);
  ctx.keyspace.dirty++;
  ctx.reply.bulk(text);
  propagate(ctx, ['HSET', key, field, text]);
}

function hscan(ctx: ExecContext, argv: string[]): void {
  const cursor = parseCursor(argv[2]);
  const hash = readHash(ctx, argv[1]);
  if (hash === null) {
    replyScan(ctx, 0, []);
    return;
  }
  const options = parseScanOptions(argv, 3, false);
  const found: string[] = [];
  if (hash.isListpack) {
    for (let i = 0; i < hash.size; i++) {
      if (matches(options.pattern, hash.fieldAt(i))) found.push(hash.fieldAt(i), hash.valueAt(i));
    }
    replyScan(ctx, 0, found);
    return;
  }
  const { positions, next } = scanPositions(cursor, options.count, hash.size);
  for (const position of positions) {
    if (matches(options.pattern, hash.fieldAt(position))) found.push(hash.fieldAt(position), hash.valueAt(position));
  }
  replyScan(ctx, next, found);
}


function hrandfield(ctx: ExecContext, argv: string[]): void {
  if (argv.length === 2) {
    const hash = readHash(ctx, argv[1]);
    if (hash === null) ctx.reply.nil();
    else ctx.reply.bulk(hash.fieldAt(randomPosition(hash.size)));
    return;
  }
  const count = randomCountArg(argv[2]);
  let withValues = false;
  if (argv.length > 4 || (argv.length === 4 && !isKeyword(argv[3], 'WITHVALUES'))) throw SYNTAX;
  if (argv.length === 4) {
    withValues = true;
    if (Math.abs(count) > 4611686018427387903) throw new RedisError('value is out of range');
  }
  const hash = readHash(ctx, argv[1]);
  if (hash === null || count === 0) {
    ctx.reply.array(0);
    return;
  }
  const picks = randomPicks(hash.size, count);
  const pairs = withValues && ctx.reply.protocol === 3;
  ctx.reply.array(withValues && !pairs ? picks.length * 2 : picks.length);
  for (const position of picks) {
    if (pairs) ctx.reply.array(2);
    ctx.reply.bulk(hash.fieldAt(position));
    if (withValues) ctx.reply.bulk(hash.valueAt(position));
  }
}

export const hashCommands: CommandDefinition[] = [
  {
    name: 'hset', arity: -4, flags: 'write denyoom fast', keys: [1, 1, 1], acl: 'write hash fast',
    run: (ctx, argv) => hset(ctx, argv, true),
  },
  {
    name: 'hmset', arity: -4, flags: 'write denyoom fast', keys: [1, 1, 1], acl: 'write hash fast',
    run: (ctx, argv) => hset(ctx, argv, false),
  },
  { name: 'hsetnx', arity: 4, flags: 'write denyoom fast', keys: [1, 1, 1], acl: 'write hash fast', run: hsetnx },
  { name: 'hget', arity: 3, flags: 'readonly fast', keys: [1, 1, 1], acl: 'read hash fast', run: hget },
  { name: 'hmget', arity: -3, flags: 'readonly fast', keys: [1, 1, 1], acl: 'read hash fast', run: hmget },
  { name: 'hdel', arity: -3, flags: 'write fast', keys: [1, 1, 1], acl: 'write hash fast', run: hdel },
  { name: 'hlen', arity: 2, flags: 'readonly fast', keys: [1, 1, 1], acl: 'read hash fast', run: hlen },
  { name: 'hstrlen', arity: 3, flags: 'readonly fast', keys: [1, 1, 1], acl: 'read hash fast', run: hstrlen },
  { name: 'hexists', arity: 3, flags: 'readonly fast', keys: [1, 1, 1], acl: 'read hash fast', run: hexists },
  { name: 'hkeys', arity: 2, flags: 'readonly', keys: [1, 1, 1], acl: 'read hash slow', run: hkeys },
  { name: 'hvals', arity: 2, flags: 'readonly', keys: [1, 1, 1], acl: 'read hash slow', run: hvals },
  { name: 'hgetall', arity: 2, flags: 'readonly', keys: [1, 1, 1], acl: 'read hash slow', run: hgetall },
  { name: 'hincrby', arity: 4, flags: 'write denyoom fast', keys: [1, 1, 1], acl: 'write hash fast', run: hincrby },
  {
    name: 'hincrbyfloat', arity: 4, flags: 'write denyoom fast', keys: [1, 1, 1], acl: 'write hash fast',
    run: hincrbyfloat,
  },
  { name: 'hscan', arity: -3, flags: 'readonly', keys: [1, 1, 1], acl: 'read hash slow', run: hscan },
  { name: 'hrandfield', arity: -2, flags: 'readonly', keys: [1, 1, 1], acl: 'read hash slow', run: hrandfield },
];
