import type { CommandDefinition, ExecContext } from '../command.js';
import { ArityError, NOT_FLOAT, RedisError, SYNTAX } from '../errors.js';
import { addLongDouble, formatLongDouble, parseLongDouble } from '../long-double.js';
import { addInt64, int64ToString, parseInt64 } from '../numbers.js';
import { MAX_STRING_LENGTH } from '../keyspace.js';
import { asString } from '../values/value.js';
import {
  absoluteExpireArg,
  int64Arg,
  integerArg,
  propagate,
  UNIT_MILLISECONDS,
  UNIT_SECONDS,
} from './support.js';
import { NO_EXPIRY, StringEncoding } from '../database.js';

const SET = 'SET';
const PXAT = 'PXAT';
const KEEPTTL = 'KEEPTTL';

/** The string value of a key for reading: null when missing, WRONGTYPE for other types. */
function readString(ctx: ExecContext, key: string): string | null {
  const slot = ctx.db.lookupRead(key);
  return slot < 0 ? null : asString(ctx.db.value(slot));
}

function replyString(ctx: ExecContext, value: string | null): void {
  if (value === null) ctx.reply.nil();
  else ctx.reply.bulk(value);
}

function checkStringLength(ctx: ExecContext, length: number): void {
  if (length > ctx.keyspace.limits.maxStringLength || length > MAX_STRING_LENGTH) {
    throw new RedisError('string exceeds maximum allowed size (proto-max-bulk-len)');
  }
}

function get(ctx: ExecContext, argv: string[]): void {
  replyString(ctx, readString(ctx, argv[1]));
}

const SET_NX = 1;
const SET_XX = 2;
const SET_GET = 4;
const SET_KEEPTTL = 8;
const GET_PERSIST = 16;

interface ExpireOptions {
  flags: number;
  /** The EX/PX/EXAT/PXAT argument, or null. */
  text: string | null;
  unit: number;
  relative: boolean;
}

/**
 * The options shared by SET (NX, XX, GET, KEEPTTL) and GETEX (PERSIST) plus their common
 * EX/PX/EXAT/PXAT, with Redis's rules: an option may repeat, but not combine with one that
 * contradicts it.
 */
function parseExpireOptions(argv: string[], from: number, forSet: boolean): ExpireOptions {
  const options: ExpireOptions = { flags: 0, text: null, unit: UNIT_SECONDS, relative: false };
  let kind = '';
  for (let i = from; i < argv.length; i++) {
    const option = argv[i].toUpperCase();
    const hasNext = i + 1 < argv.length;
    const flags = options.flags;
    if (forSet && option === 'NX' && (flags & SET_XX) === 0) options.flags |= SET_NX;
    else if (forSet && option === 'XX' && (flags & SET_NX) === 0) options.flags |= SET_XX;
    else if (forSet && option === 'GET') options.flags |= SET_GET;
    else if (forSet && option === 'KEEPTTL' && kind === '') options.flags |= SET_KEEPTTL;
    else if (!forSet && option === 'PERSIST' && kind === '') options.flags |= GET_PERSIST;
    else if (
      (option === 'EX' || option === 'PX' || option === 'EXAT' || option === 'PXAT') &&
      (kind === '' || kind === option) &&
      (flags & (SET_KEEPTTL | GET_PERSIST)) === 0 &&
      hasNext
    ) {
      kind = option;
      options.text = argv[++i];
      options.unit = option[0] === 'P' ? UNIT_MILLISECONDS : UNIT_SECONDS;
      options.relative = option.length === 2;
    } else throw SYNTAX;
  }
  return options;
}

/** SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ms-ts|KEEPTTL] */
function set(ctx: ExecContext, argv: string[]): void {
  const key = argv[1];
  const value = argv[2];
  let flags = 0;
  let expireAt = NO_EXPIRY;
  if (argv.length > 3) {
    const expire = parseExpireOptions(argv, 3, true);
    flags = expire.flags;
    if (expire.text !== null) {
      expireAt = absoluteExpireArg(expire.text, expire.unit, expire.relative ? ctx.keyspace.now : 0, 'set');
    }
  }
  const db = ctx.db;
  if ((flags & SET_GET) !== 0) replyString(ctx, readString(ctx, key));
  const slot = db.lookup(key);
  if (((flags & SET_NX) !== 0 && slot >= 0) || ((flags & SET_XX) !== 0 && slot < 0)) {
    if ((flags & SET_GET) === 0) ctx.reply.nil();
    return;
  }
  if (slot < 0) db.add(key, value, expireAt);
  else {
    db.overwrite(slot, value, (flags & SET_KEEPTTL) !== 0);
    if (expireAt !== NO_EXPIRY) db.setExpire(slot, expireAt);
  }
  ctx.keyspace.dirty++;
  if ((flags & SET_GET) === 0) ctx.reply.ok();
  if (expireAt !== NO_EXPIRY) propagate(ctx, [SET, key, value, PXAT, String(expireAt)]);
  else if ((flags & SET_GET) !== 0) propagate(ctx, argv.filter((arg, i) => i < 3 || arg.toUpperCase() !== 'GET'));
  else propagate(ctx, argv);
}

function setnx(ctx: ExecContext, argv: string[]): void {
  const db = ctx.db;
  if (db.lookup(argv[1]) >= 0) {
    ctx.reply.integer(0);
    return;
  }
  db.add(argv[1], argv[2]);
  ctx.keyspace.dirty++;
  ctx.reply.integer(1);
  propagate(ctx, argv);
}

function setWithExpire(ctx: ExecContext, argv: string[], unit: number, command: string): void {
  const expireAt = absoluteExpireArg(argv[2], unit, ctx.keyspace.now, command);
  const key = argv[1];
  const value = argv[3];
  ctx.db.set(key, value, expireAt);
  ctx.keyspace.dirty++;
  ctx.reply.ok();
  propagate(ctx, [SET, key, value, PXAT, String(expireAt)]);
}

function getset(ctx: ExecContext, argv: string[]): void {
  const key = argv[1];
  replyString(ctx, readString(ctx, key));
  ctx.db.set(key, argv[2]);
  ctx.keyspace.dirty++;
  propagate(ctx, [SET, key, argv[2]]);
}

function getdel(ctx: ExecContext, argv: string[]): void {
  const key = argv[1];
  const value = readString(ctx, key);
  replyString(ctx, value);
  if (value !== null && ctx.db.delete(key)) {
    ctx.keyspace.dirty++;
    propagate(ctx, ['DEL', key]);
  }
}

/** GETEX key [EX s|PX ms|EXAT ts|PXAT ms-ts|PERSIST] */
function getex(ctx: ExecContext, argv: string[]): void {
  const key = argv[1];
  const { flags, text: expireText, unit, relative } = parseExpireOptions(argv, 2, false);
  const persist = (flags & GET_PERSIST) !== 0;
  const db = ctx.db;
  const slot = db.lookupRead(key);
  if (slot < 0) {
    ctx.reply.nil();
    return;
  }
  const value = asString(db.value(slot));
  let expireAt = NO_EXPIRY;
  if (expireText !== null) expireAt = absoluteExpireArg(expireText, unit, relative ? ctx.keyspace.now : 0, 'getex');
  ctx.reply.bulk(value);
  if (expireText !== null && !relative && expireAt <= ctx.keyspace.now && ctx.keyspace.expiryPolicy === 'delete') {
    db.remove(slot);
    ctx.keyspace.dirty++;
    propagate(ctx, ['DEL', key]);
  } else if (expireText !== null) {
    db.setExpire(slot, expireAt);
    ctx.keyspace.dirty++;
    propagate(ctx, ['PEXPIREAT', key, String(expireAt)]);
  } else if (persist && db.persist(slot)) {
    ctx.keyspace.dirty++;
    propagate(ctx, ['PERSIST', key]);
  }
}

function mget(ctx: ExecContext, argv: string[]): void {
  const db = ctx.db;
  ctx.reply.array(argv.length - 1);
  for (let i = 1; i < argv.length; i++) {
    const slot = db.lookupRead(argv[i]);
    const value = slot < 0 ? null : db.value(slot);
    if (typeof value === 'string') ctx.reply.bulk(value);
    else ctx.reply.nil();
  }
}

function mset(ctx: ExecContext, argv: string[]): void {
  if (argv.length % 2 === 0) throw new ArityError('mset');
  const db = ctx.db;
  for (let i = 1; i < argv.length; i += 2) db.set(argv[i], argv[i + 1]);
  ctx.keyspace.dirty += (argv.length - 1) / 2;
  ctx.reply.ok();
  propagate(ctx, argv);
}

function msetnx(ctx: ExecContext, argv: string[]): void {
  if (argv.length % 2 === 0) throw new ArityError('msetnx');
  const db = ctx.db;
  for (let i = 1; i < argv.length; i += 2) {
    if (db.lookup(argv[i]) >= 0) {
      ctx.reply.integer(0);
      return;
    }
  }
  for (let i = 1; i < argv.length; i += 2) db.set(argv[i], argv[i + 1]);
  ctx.keyspace.dirty += (argv.length - 1) / 2;
  ctx.reply.integer(1);
  propagate(ctx, argv);
}

function append(ctx: ExecContext, argv: string[]): void {
  const db = ctx.db;
  const key = argv[1];
  const slot = db.lookup(key);
  let length: number;
  if (slot < 0) {
    db.add(key, argv[2]);
    length = argv[2].length;
  } else {
    const current = asString(db.value(slot));
    checkStringLength(ctx, current.length + argv[2].length);
    const next = current + argv[2];
    db.overwrite(slot, next, true);
    db.setStringEncoding(slot, StringEncoding.raw);
    length = next.length;
  }
  ctx.keyspace.dirty++;
  ctx.reply.integer(length);
  propagate(ctx, argv);
}

function strlen(ctx: ExecContext, argv: string[]): void {
  const value = readString(ctx, argv[1]);
  ctx.reply.integer(value === null ? 0 : value.length);
}

function getrange(ctx: ExecContext, argv: string[]): void {
  let start = integerArg(argv[2]);
  let end = integerArg(argv[3]);
  const value = readString(ctx, argv[1]);
  if (value === null) {
    ctx.reply.bulk('');
    return;
  }
  const length = value.length;
  if (start < 0 && end < 0 && start > end) {
    ctx.reply.bulk('');
    return;
  }
  if (start < 0) start += length;
  if (end < 0) end += length;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= length) end = length - 1;
  if (start > end || length === 0) ctx.reply.bulk('');
  else ctx.reply.bulk(value.slice(start, end + 1));
}

function setrange(ctx: ExecContext, argv: string[]): void {
  const key = argv[1];
  const offset = integerArg(argv[2]);
  const patch = argv[3];
  if (offset < 0) throw new RedisError('offset is out of range');
  const db = ctx.db;
  const slot = db.lookup(key);
  if (slot < 0) {
    if (patch.length === 0) {
      ctx.reply.integer(0);
      return;
    }
    checkStringLength(ctx, offset + patch.length);
    const value = '\0'.repeat(offset) + patch;
    db.setStringEncoding(db.add(key, value), StringEncoding.raw);
    ctx.reply.integer(value.length);
  } else {
    const current = asString(db.value(slot));
    if (patch.length === 0) {
      ctx.reply.integer(current.length);
      return;
    }
    checkStringLength(ctx, offset + patch.length);
    const padded = current.length < offset ? current + '\0'.repeat(offset - current.length) : current;
    const value = padded.slice(0, offset) + patch + padded.slice(offset + patch.length);
    db.overwrite(slot, value, true);
    db.setStringEncoding(slot, StringEncoding.raw);
    ctx.reply.integer(value.length);
  }
  ctx.keyspace.dirty++;
  propagate(ctx, argv);
}

function incrementBy(ctx: ExecContext, argv: string[], increment: number | bigint): void {
  const db = ctx.db;
  const key = argv[1];
  const slot = db.lookup(key);
  let current: number | bigint = 0;
  if (slot >= 0) {
    const parsed = parseInt64(asString(db.value(slot)));
    if (parsed === null) throw new RedisError('value is not an integer or out of range');
    current = parsed;
  }
  const result = addInt64(current, increment);
  if (result === null) throw new RedisError('increment or decrement would overflow');
  const text = int64ToString(result);
  if (slot < 0) db.add(key, text);
  else db.overwrite(slot, text, true);
  ctx.keyspace.dirty++;
  ctx.reply.integer(result);
  propagate(ctx, argv);
}

function incr(ctx: ExecContext, argv: string[]): void {
  incrementBy(ctx, argv, 1);
}

function decr(ctx: ExecContext, argv: string[]): void {
  incrementBy(ctx, argv, -1);
}

function incrby(ctx: ExecContext, argv: string[]): void {
  incrementBy(ctx, argv, int64Arg(argv[2]));
}

function decrby(ctx: ExecContext, argv: string[]): void {
  const decrement = int64Arg(argv[2]);
  if (decrement === -9223372036854775808n) throw new RedisError('decrement would overflow');
  incrementBy(ctx, argv, -decrement);
}

function incrbyfloat(ctx: ExecContext, argv: string[]): void {
  const db = ctx.db;
  const key = argv[1];
  const slot = db.lookup(key);
  const current = slot < 0 ? parseLongDouble('0') : parseLongDouble(asString(db.value(slot)));
  if (current === null) throw NOT_FLOAT;
  const increment = parseLongDouble(argv[2]);
  if (increment === null) throw NOT_FLOAT;
  const sum = addLongDouble(current, increment);
  if (sum.infinite) throw new RedisError('increment would produce NaN or Infinity');
  const text = formatLongDouble(sum);
  const written = slot < 0 ? db.add(key, text) : slot;
  if (slot >= 0) db.overwrite(slot, text, true);
  db.setStringEncoding(written, StringEncoding.notInteger);
  ctx.keyspace.dirty++;
  ctx.reply.bulk(text);
  propagate(ctx, [SET, key, text, KEEPTTL]);
}

export const stringCommands: CommandDefinition[] = [
  { name: 'get', arity: 2, flags: 'readonly fast', keys: [1, 1, 1], acl: 'read string fast', run: get },
  { name: 'set', arity: -3, flags: 'write denyoom', keys: [1, 1, 1], acl: 'write string slow', run: set },
  { name: 'setnx', arity: 3, flags: 'write denyoom fast', keys: [1, 1, 1], acl: 'write string fast', run: setnx },
  {
    name: 'setex', arity: 4, flags: 'write denyoom', keys: [1, 1, 1], acl: 'write string slow',
    run: (ctx, argv) => setWithExpire(ctx, argv, UNIT_SECONDS, 'setex'),
  },
  {
    name: 'psetex', arity: 4, flags: 'write denyoom', keys: [1, 1, 1], acl: 'write string slow',
    run: (ctx, argv) => setWithExpire(ctx, argv, UNIT_MILLISECONDS, 'psetex'),
  },
  { name: 'getset', arity: 3, flags: 'write denyoom fast', keys: [1, 1, 1], acl: 'write string fast', run: getset },
  { name: 'getdel', arity: 2, flags: 'write fast', keys: [1, 1, 1], acl: 'write string fast', run: getdel },
  { name: 'getex', arity: -2, flags: 'write fast', keys: [1, 1, 1], acl: 'write string fast', run: getex },
  { name: 'mget', arity: -2, flags: 'readonly fast', keys: [1, -1, 1], acl: 'read string fast', run: mget },
  { name: 'mset', arity: -3, flags: 'write denyoom', keys: [1, -1, 2], acl: 'write string slow', run: mset },
  { name: 'msetnx', arity: -3, flags: 'write denyoom', keys: [1, -1, 2], acl: 'write string slow', run: msetnx },
  { name: 'append', arity: 3, flags: 'write denyoom fast', keys: [1, 1, 1], acl: 'write string fast', run: append },
  { name: 'strlen', arity: 2, flags: 'readonly fast', keys: [1, 1, 1], acl: 'read string fast', run: strlen },
  { name: 'getrange', arity: 4, flags: 'readonly', keys: [1, 1, 1], acl: 'read string slow', run: getrange },
  { name: 'substr', arity: 4, flags: 'readonly', keys: [1, 1, 1], acl: 'read string slow', run: getrange },
  { name: 'setrange', arity: 4, flags: 'write denyoom', keys: [1, 1, 1], acl: 'write string slow', run: setrange },
  { name: 'incr', arity: 2, flags: 'write denyoom fast', keys: [1, 1, 1], acl: 'write string fast', run: incr },
  { name: 'decr', arity: 2, flags: 'write denyoom fast', keys: [1, 1, 1], acl: 'write string fast', run: decr },
  { name: 'incrby', arity: 3, flags: 'write denyoom fast', keys: [1, 1, 1], acl: 'write string fast', run: incrby },
  { name: 'decrby', arity: 3, flags: 'write denyoom fast', keys: [1, 1, 1], acl: 'write string fast', run: decrby },
  {
    name: 'incrbyfloat', arity: 3, flags: 'write denyoom fast', keys: [1, 1, 1], acl: 'write string fast',
    run: incrbyfloat,
  },
];
