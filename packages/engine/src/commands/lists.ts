import type { CommandDefinition, ExecContext } from '../command.js';
import type { Database } from '../database.js';
import { ArityError, NO_SUCH_KEY, OUT_OF_RANGE, RedisError, SYNTAX } from '../errors.js';
import { longDoubleToNumber, parseLongDouble } from '../long-double.js';
import { ListValue } from '../values/list-value.js';
import { asList } from '../values/value.js';
import { clampRange, integerArg, isKeyword, nonNegativeArg, propagate } from './support.js';

const HEAD = 0;
const TAIL = 1;
type End = typeof HEAD | typeof TAIL;

function readList(ctx: ExecContext, key: string): ListValue | null {
  const slot = ctx.db.lookupRead(key);
  return slot < 0 ? null : asList(ctx.db.value(slot));
}

/** The list at a key for changing in place, or null when the key is missing. */
function writableList(db: Database, key: string): { slot: number; list: ListValue } | null {
  const slot = db.lookup(key);
  if (slot < 0) return null;
  asList(db.value(slot));
  return { slot, list: db.writable(slot) as ListValue };
}

/** After elements were removed: deletes the key when the list emptied, else signals the change. */
function afterRemoval(db: Database, key: string, list: ListValue): void {
  if (list.length === 0) db.remove(db.peek(key));
  else db.modified(key);
}

function push(ctx: ExecContext, argv: string[], end: End, onlyExisting: boolean): void {
  const db = ctx.db;
  const key = argv[1];
  let target = writableList(db, key);
  if (target === null) {
    if (onlyExisting) {
      ctx.reply.integer(0);
      return;
    }
    const list = new ListValue(argv.length - 2);
    db.add(key, list);
    target = { slot: -1, list };
  } else {
    db.modified(key);
  }
  const list = target.list;
  for (let i = 2; i < argv.length; i++) {
    if (end === HEAD) list.pushHead(argv[i]);
    else list.pushTail(argv[i]);
  }
  ctx.keyspace.dirty += argv.length - 2;
  ctx.reply.integer(list.length);
  propagate(ctx, argv);
}

/** Pops `count` elements (one when count is null) and replies with them. */
function pop(ctx: ExecContext, argv: string[], end: End): void {
  if (argv.length > 3) throw new ArityError(argv[0].toLowerCase());
  const hasCount = argv.length === 3;
  const count = hasCount ? nonNegativeArg(argv[2]) : 1;
  const db = ctx.db;
  const key = argv[1];
  const target = writableList(db, key);
  if (target === null) {
    if (hasCount) ctx.reply.nilArray();
    else ctx.reply.nil();
    return;
  }
  if (hasCount && count === 0) {
    ctx.reply.array(0);
    return;
  }
  const list = target.list;
  const taken = Math.min(count, list.length);
  if (hasCount) ctx.reply.array(taken);
  for (let i = 0; i < taken; i++) ctx.reply.bulk((end === HEAD ? list.popHead() : list.popTail()) as string);
  afterRemoval(db, key, list);
  ctx.keyspace.dirty += taken;
  propagate(ctx, argv);
}

function llen(ctx: ExecContext, argv: string[]): void {
  const list = readList(ctx, argv[1]);
  ctx.reply.integer(list === null ? 0 : list.length);
}

function lrange(ctx: ExecContext, argv: string[]): void {
  const start = integerArg(argv[2]);
  const end = integerArg(argv[3]);
  const list = readList(ctx, argv[1]);
  const range = list === null ? null : clampRange(start, end, list.length);
  if (list === null || range === null) {
    ctx.reply.array(0);
    return;
  }
  ctx.reply.array(range[1] - range[0] + 1);
  for (let i = range[0]; i <= range[1]; i++) ctx.reply.bulk(list.at(i));
}

function lindex(ctx: ExecContext, argv: string[]): void {
  const list = readList(ctx, argv[1]);
  if (list === null) {
    ctx.reply.nil();
    return;
  }
  let index = integerArg(argv[2]);
  if (index < 0) index += list.length;
  if (index < 0 || index >= list.length) ctx.reply.nil();
  else ctx.reply.bulk(list.at(index));
}

function lset(ctx: ExecContext, argv: string[]): void {
  const db = ctx.db;
  const key = argv[1];
  const slot = db.lookup(key);
  if (slot < 0) throw NO_SUCH_KEY;
  const length = asList(db.value(slot)).length;
  let index = integerArg(argv[2]);
  if (index < 0) index += length;
  if (index < 0 || index >= length) throw OUT_OF_RANGE;
  (db.writable(slot) as ListValue).set(index, argv[3]);
  db.modified(key);
  ctx.keyspace.dirty++;
  ctx.reply.ok();
  propagate(ctx, argv);
}

function linsert(ctx: ExecContext, argv: string[]): void {
  let after: boolean;
  if (isKeyword(argv[2], 'AFTER')) after = true;
  else if (isKeyword(argv[2], 'BEFORE')) after = false;
  else throw SYNTAX;
  const db = ctx.db;
  const key = argv[1];
  const slot = db.lookup(key);
  if (slot < 0) {
    ctx.reply.integer(0);
    return;
  }
  const list = asList(db.value(slot));
  const pivot = argv[3];
  let at = -1;
  for (let i = 0; i < list.length; i++) {
    if (list.at(i) === pivot) {
      at = i;
      break;
    }
  }
  if (at < 0) {
    ctx.reply.integer(-1);
    return;
  }
  (db.writable(slot) as ListValue).insert(after ? at + 1 : at, argv[4]);
  db.modified(key);
  ctx.keyspace.dirty++;
  ctx.reply.integer(list.length);
  propagate(ctx, argv);
}

function lrem(ctx: ExecContext, argv: string[]): void {
  let limit = integerArg(argv[2]);
  const db = ctx.db;
  const key = argv[1];
  const slot = db.lookup(key);
  if (slot < 0) {
    ctx.reply.integer(0);
    return;
  }
  const list = asList(db.value(slot));
  const element = argv[3];
  const fromTail = limit < 0;
  if (fromTail) limit = -limit;
  const positions: number[] = [];
  if (fromTail) {
    for (let i = list.length - 1; i >= 0 && (limit === 0 || positions.length < limit); i--) {
      if (list.at(i) === element) positions.push(i);
    }
  } else {
    for (let i = 0; i < list.length && (limit === 0 || positions.length < limit); i++) {
      if (list.at(i) === element) positions.push(i);
    }
  }
  if (positions.length > 0) {
    const writable = db.writable(slot) as ListValue;
    positions.sort((a, b) => b - a);
    if (positions.length > 16) {
      // Rebuild rather than shift once per removed element.
      const drop = new Set(positions);
      const kept = writable.toArray().filter((_, i) => !drop.has(i));
      writable.clear();
      for (const value of kept) writable.pushTail(value);
    } else {
      for (const position of positions) writable.removeAt(position);
    }
    afterRemoval(db, key, writable);
    ctx.keyspace.dirty += positions.length;
    propagate(ctx, argv);
  }
  ctx.reply.integer(positions.length);
}

function ltrim(ctx: ExecContext, argv: string[]): void {
  let start = integerArg(argv[2]);
  let end = integerArg(argv[3]);
  const db = ctx.db;
  const key = argv[1];
  const slot = db.lookup(key);
  if (slot < 0) {
    ctx.reply.ok();
    return;
  }
  const length = asList(db.value(slot)).length;
  if (start < 0) start += length;
  if (end < 0) end += length;
  if (start < 0) start = 0;
  let removed: number;
  if (start > end || start >= length) {
    removed = length;
  } else {
    if (end >= length) end = length - 1;
    removed = start + (length - end - 1);
  }
  if (removed > 0) {
    const list = db.writable(slot) as ListValue;
    if (removed === length) list.clear();
    else list.trim(start, end);
    afterRemoval(db, key, list);
    ctx.keyspace.dirty += removed;
    propagate(ctx, argv);
  }
  ctx.reply.ok();
}

function lpos(ctx: ExecContext, argv: string[]): void {
  const element = argv[2];
  let rank = 1;
  let count = -1;
  let maxlen = 0;
  for (let i = 3; i < argv.length; i++) {
    const hasValue = i + 1 < argv.length;
    if (isKeyword(argv[i], 'RANK') && hasValue) {
      rank = integerArg(argv[++i]);
      if (rank === 0) {
        throw new RedisError(
          "RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
        );
      }
    } else if (isKeyword(argv[i], 'COUNT') && hasValue) {
      count = nonNegativeArg(argv[++i], "COUNT can't be negative");
    } else if (isKeyword(argv[i], 'MAXLEN') && hasValue) {
      maxlen = nonNegativeArg(argv[++i], "MAXLEN can't be negative");
    } else {
      throw SYNTAX;
    }
  }
  const fromTail = rank < 0;
  if (fromTail) rank = -rank;
  const list = readList(ctx, argv[1]);
  if (list === null) {
    if (count !== -1) ctx.reply.array(0);
    else ctx.reply.nil();
    return;
  }
  const length = list.length;
  const found: number[] = [];
  let matches = 0;
  for (let scanned = 0; scanned < length && (maxlen === 0 || scanned < maxlen); scanned++) {
    const index = fromTail ? length - 1 - scanned : scanned;
    if (list.at(index) !== element) continue;
    matches++;
    if (matches < rank) continue;
    found.push(index);
    if (count === -1 || (count !== 0 && found.length >= count)) break;
  }
  if (count !== -1) {
    ctx.reply.array(found.length);
    for (const index of found) ctx.reply.integer(index);
  } else if (found.length > 0) {
    ctx.reply.integer(found[0]);
  } else {
    ctx.reply.nil();
  }
}

function endArg(text: string): End {
  if (isKeyword(text, 'LEFT')) return HEAD;
  if (isKeyword(text, 'RIGHT')) return TAIL;
  throw SYNTAX;
}

/**
 * Moves one element from `source` to `destination` and replies with it. The caller has made
 * sure the source holds a list.
 */
function moveElement(ctx: ExecContext, source: string, destination: string, from: End, to: End): void {
  const db = ctx.db;
  const destinationSlot = db.lookup(destination);
  if (destinationSlot >= 0) asList(db.value(destinationSlot));
  const sourceList = db.writable(db.peek(source)) as ListValue;
  const value = (from === HEAD ? sourceList.popHead() : sourceList.popTail()) as string;
  let destinationList: ListValue;
  if (destinationSlot >= 0) {
    destinationList = db.writable(destinationSlot) as ListValue;
    db.modified(destination);
  } else {
    destinationList = new ListValue();
    db.add(destination, destinationList);
  }
  if (to === HEAD) destinationList.pushHead(value);
  else destinationList.pushTail(value);
  afterRemoval(db, source, sourceList);
  ctx.keyspace.dirty++;
  ctx.reply.bulk(value);
}

function lmove(ctx: ExecContext, argv: string[]): void {
  const from = endArg(argv[3]);
  const to = endArg(argv[4]);
  if (!sourceReady(ctx, argv[1])) {
    ctx.reply.nil();
    return;
  }
  moveElement(ctx, argv[1], argv[2], from, to);
  propagate(ctx, argv);
}

function rpoplpush(ctx: ExecContext, argv: string[]): void {
  if (!sourceReady(ctx, argv[1])) {
    ctx.reply.nil();
    return;
  }
  moveElement(ctx, argv[1], argv[2], TAIL, HEAD);
  propagate(ctx, argv);
}

/** True when the source of a move holds a list (WRONGTYPE when it holds something else). */
function sourceReady(ctx: ExecContext, key: string): boolean {
  const slot = ctx.db.lookup(key);
  if (slot < 0) return false;
  asList(ctx.db.value(slot));
  return true;
}

/**
 * Redis's getTimeoutFromObjectOrReply in seconds: a float rounded up to ms, made absolute;
 * 0 blocks forever. An infinite timeout converts to a negative integer in C, so Redis calls
 * it negative.
 */
function timeoutArg(ctx: ExecContext, text: string): number {
  const value = parseLongDouble(text);
  if (value === null) throw new RedisError('timeout is not a float or out of range');
  const ms = value.infinite ? -1 : Math.ceil(longDoubleToNumber(value) * 1000);
  if (ms < 0) throw new RedisError('timeout is negative');
  return ms === 0 ? 0 : ctx.keyspace.now + ms;
}

function blockingPop(ctx: ExecContext, argv: string[], end: End): void {
  const deadline = timeoutArg(ctx, argv[argv.length - 1]);
  const keys = argv.slice(1, -1);
  for (const key of keys) {
    if (sourceReady(ctx, key)) {
      popForBlocked(ctx, key, end);
      return;
    }
  }
  if (ctx.inTransaction) {
    ctx.reply.nilArray();
    return;
  }
  ctx.block(keys, deadline);
}

/** Pops one element for BLPOP/BRPOP, replying [key, element]; propagated as LPOP/RPOP. */
function popForBlocked(ctx: ExecContext, key: string, end: End): void {
  const db = ctx.db;
  const list = db.writable(db.peek(key)) as ListValue;
  const value = (end === HEAD ? list.popHead() : list.popTail()) as string;
  afterRemoval(db, key, list);
  ctx.keyspace.dirty++;
  ctx.reply.array(2);
  ctx.reply.bulk(key);
  ctx.reply.bulk(value);
  propagate(ctx, [end === HEAD ? 'LPOP' : 'RPOP', key]);
}

/** Serves a parked BLPOP/BRPOP from a key that now holds a list. */
function servePop(ctx: ExecContext, key: string, end: End): boolean {
  const slot = ctx.db.lookup(key);
  if (slot < 0 || !(ctx.db.value(slot) instanceof ListValue)) return false;
  popForBlocked(ctx, key, end);
  return true;
}

function blockingMove(ctx: ExecContext, argv: string[], from: End, to: End, timeout: string, effect: string[]): void {
  const deadline = timeoutArg(ctx, timeout);
  if (sourceReady(ctx, argv[1])) {
    moveElement(ctx, argv[1], argv[2], from, to);
    propagate(ctx, effect);
    return;
  }
  if (ctx.inTransaction) {
    ctx.reply.nil();
    return;
  }
  ctx.block([argv[1]], deadline);
}

/** Serves a parked BLMOVE/BRPOPLPUSH once its source holds a list. */
function serveMove(ctx: ExecContext, argv: string[], from: End, to: End, effect: string[]): boolean {
  const slot = ctx.db.lookup(argv[1]);
  if (slot < 0 || !(ctx.db.value(slot) instanceof ListValue)) return false;
  moveElement(ctx, argv[1], argv[2], from, to);
  propagate(ctx, effect);
  return true;
}

function blmoveEffect(argv: string[]): string[] {
  return ['LMOVE', argv[1], argv[2], argv[3], argv[4]];
}

function brpoplpushEffect(argv: string[]): string[] {
  return ['RPOPLPUSH', argv[1], argv[2]];
}

export const listCommands: CommandDefinition[] = [
  {
    name: 'lpush', arity: -3, flags: 'write denyoom fast', keys: [1, 1, 1], acl: 'write list fast',
    run: (ctx, argv) => push(ctx, argv, HEAD, false),
  },
  {
    name: 'rpush', arity: -3, flags: 'write denyoom fast', keys: [1, 1, 1], acl: 'write list fast',
    run: (ctx, argv) => push(ctx, argv, TAIL, false),
  },
  {
    name: 'lpushx', arity: -3, flags: 'write denyoom fast', keys: [1, 1, 1], acl: 'write list fast',
    run: (ctx, argv) => push(ctx, argv, HEAD, true),
  },
  {
    name: 'rpushx', arity: -3, flags: 'write denyoom fast', keys: [1, 1, 1], acl: 'write list fast',
    run: (ctx, argv) => push(ctx, argv, TAIL, true),
  },
  {
    name: 'lpop', arity: -2, flags: 'write fast', keys: [1, 1, 1], acl: 'write list fast',
    run: (ctx, argv) => pop(ctx, argv, HEAD),
  },
  {
    name: 'rpop', arity: -2, flags: 'write fast', keys: [1, 1, 1], acl: 'write list fast',
    run: (ctx, argv) => pop(ctx, argv, TAIL),
  },
  { name: 'llen', arity: 2, flags: 'readonly fast', keys: [1, 1, 1], acl: 'read list fast', run: llen },
  { name: 'lrange', arity: 4, flags: 'readonly', keys: [1, 1, 1], acl: 'read list slow', run: lrange },
  { name: 'lindex', arity: 3, flags: 'readonly', keys: [1, 1, 1], acl: 'read list slow', run: lindex },
  { name: 'lset', arity: 4, flags: 'write denyoom', keys: [1, 1, 1], acl: 'write list slow', run: lset },
  { name: 'linsert', arity: 5, flags: 'write denyoom', keys: [1, 1, 1], acl: 'write list slow', run: linsert },
  { name: 'lrem', arity: 4, flags: 'write', keys: [1, 1, 1], acl: 'write list slow', run: lrem },
  { name: 'ltrim', arity: 4, flags: 'write', keys: [1, 1, 1], acl: 'write list slow', run: ltrim },
  { name: 'lpos', arity: -3, flags: 'readonly', keys: [1, 1, 1], acl: 'read list slow', run: lpos },
  { name: 'lmove', arity: 5, flags: 'write denyoom', keys: [1, 2, 1], acl: 'write list slow', run: lmove },
  { name: 'rpoplpush', arity: 3, flags: 'write denyoom', keys: [1, 2, 1], acl: 'write list slow', run: rpoplpush },
  {
    name: 'blpop', arity: -3, flags: 'write noscript blocking', keys: [1, -2, 1], acl: 'write list slow blocking',
    run: (ctx, argv) => blockingPop(ctx, argv, HEAD),
    serveBlocked: (ctx, _argv, key) => servePop(ctx, key, HEAD),
  },
  {
    name: 'brpop', arity: -3, flags: 'write noscript blocking', keys: [1, -2, 1], acl: 'write list slow blocking',
    run: (ctx, argv) => blockingPop(ctx, argv, TAIL),
    serveBlocked: (ctx, _argv, key) => servePop(ctx, key, TAIL),
  },
  {
    name: 'blmove', arity: 6, flags: 'write denyoom noscript blocking', keys: [1, 2, 1],
    acl: 'write list slow blocking',
    run: (ctx, argv) => blockingMove(ctx, argv, endArg(argv[3]), endArg(argv[4]), argv[5], blmoveEffect(argv)),
    serveBlocked: (ctx, argv) => serveMove(ctx, argv, endArg(argv[3]), endArg(argv[4]), blmoveEffect(argv)),
  },
  {
    name: 'brpoplpush', arity: 4, flags: 'write denyoom noscript blocking', keys: [1, 2, 1],
    acl: 'write list slow blocking',
    run: (ctx, argv) => blockingMove(ctx, argv, TAIL, HEAD, argv[3], brpoplpushEffect(argv)),
    serveBlocked: (ctx, argv) => serveMove(ctx, argv, TAIL, HEAD, brpoplpushEffect(argv)),
  },
];
