import type { CommandDefinition, ExecContext } from '../command.js';
import { NO_EXPIRY } from '../database.js';
import { NO_SUCH_KEY, RedisError, SYNTAX } from '../errors.js';
import { parseInteger } from '../numbers.js';
import { cloneValue } from '../values/value.js';
import { randomPosition } from './random.js';
import { matches, parseCursor, parseScanOptions, scanPositions } from './scan.js';
import { expireTimeArg, isKeyword, propagate, replyHelp, UNIT_MILLISECONDS, UNIT_SECONDS } from './support.js';

/** Redis shares the integer objects 0..9999; OBJECT REFCOUNT reports them as INT_MAX. */
const SHARED_INTEGERS = 10000;
const SHARED_REFCOUNT = 2147483647;

function deleteKeys(ctx: ExecContext, argv: string[]): void {
  const db = ctx.db;
  let deleted = 0;
  for (let i = 1; i < argv.length; i++) {
    if (db.delete(argv[i])) deleted++;
  }
  ctx.keyspace.dirty += deleted;
  ctx.reply.integer(deleted);
  if (deleted > 0) propagate(ctx, argv);
}

function exists(ctx: ExecContext, argv: string[]): void {
  let count = 0;
  for (let i = 1; i < argv.length; i++) if (ctx.db.lookupNoTouch(argv[i]) >= 0) count++;
  ctx.reply.integer(count);
}

function type(ctx: ExecContext, argv: string[]): void {
  const slot = ctx.db.lookupNoTouch(argv[1]);
  ctx.reply.simple(slot < 0 ? 'none' : ctx.db.typeName(slot));
}

/** A database number argument: an int, then within range. */
function databaseArg(ctx: ExecContext, text: string, notInteger = 'value is not an integer or out of range'): number {
  const index = parseInteger(text);
  if (Number.isNaN(index) || index > 2147483647 || index < -2147483648) throw new RedisError(notInteger);
  if (index < 0 || index >= ctx.keyspace.databases.length) throw new RedisError('DB index is out of range');
  return index;
}

function select(ctx: ExecContext, argv: string[]): void {
  ctx.dbIndex = databaseArg(ctx, argv[1]);
  ctx.reply.ok();
}

function rename(ctx: ExecContext, argv: string[], nx: boolean): void {
  const [, from, to] = argv;
  const db = ctx.db;
  const slot = db.lookup(from);
  if (slot < 0) throw NO_SUCH_KEY;
  if (from === to) {
    if (nx) ctx.reply.integer(0);
    else ctx.reply.ok();
    return;
  }
  const value = db.value(slot);
  const expireAt = db.expireAt(slot);
  const written = db.stringEncoding(slot);
  const target = db.lookup(to);
  if (target >= 0) {
    if (nx) {
      ctx.reply.integer(0);
      return;
    }
    db.remove(target);
  }
  db.remove(db.peek(from));
  const added = db.add(to, value, expireAt);
  db.setStringEncoding(added, written);
  ctx.keyspace.dirty++;
  if (nx) ctx.reply.integer(1);
  else ctx.reply.ok();
  propagate(ctx, argv);
}

function move(ctx: ExecContext, argv: string[]): void {
  const key = argv[1];
  const source = ctx.db;
  const target = ctx.keyspace.db(databaseArg(ctx, argv[2]));
  if (source === target) throw new RedisError('source and destination objects are the same');
  const slot = source.lookup(key);
  if (slot < 0) {
    ctx.reply.integer(0);
    return;
  }
  const value = source.value(slot);
  const expireAt = source.expireAt(slot);
  const written = source.stringEncoding(slot);
  if (target.lookup(key) >= 0) {
    ctx.reply.integer(0);
    return;
  }
  const added = target.add(key, value, expireAt);
  target.setStringEncoding(added, written);
  source.remove(source.peek(key));
  ctx.keyspace.dirty++;
  ctx.reply.integer(1);
  propagate(ctx, argv);
}

function copy(ctx: ExecContext, argv: string[]): void {
  const [, from, to] = argv;
  let replace = false;
  let target = ctx.db;
  for (let i = 3; i < argv.length; i++) {
    if (isKeyword(argv[i], 'REPLACE')) replace = true;
    else if (isKeyword(argv[i], 'DB') && i + 1 < argv.length) target = ctx.keyspace.db(databaseArg(ctx, argv[++i]));
    else throw SYNTAX;
  }
  const source = ctx.db;
  if (source === target && from === to) throw new RedisError('source and destination objects are the same');
  const slot = source.lookupRead(from);
  if (slot < 0) {
    ctx.reply.integer(0);
    return;
  }
  const value = source.value(slot);
  const expireAt = source.expireAt(slot);
  const existing = target.lookup(to);
  if (existing >= 0 && !replace) {
    ctx.reply.integer(0);
    return;
  }
  const duplicate = cloneValue(value);
  const written = source.stringEncoding(slot);
  if (existing >= 0) target.remove(existing);
  const added = target.add(to, duplicate, expireAt);
  target.setStringEncoding(added, written);
  ctx.keyspace.dirty++;
  ctx.reply.integer(1);
  propagate(ctx, argv);
}

function keys(ctx: ExecContext, argv: string[]): void {
  const pattern = argv[1] === '*' ? null : argv[1];
  const db = ctx.db;
  const found: string[] = [];
  for (let slot = 0; slot < db.size; slot++) {
    const key = db.key(slot);
    if (matches(pattern, key) && !db.isExpired(slot)) found.push(key);
  }
  ctx.reply.bulkArray(found);
}

function scan(ctx: ExecContext, argv: string[]): void {
  const cursor = parseCursor(argv[1]);
  const options = parseScanOptions(argv, 2, true);
  const db = ctx.db;
  const { positions, next } = scanPositions(cursor, options.count, db.size);
  const candidates = positions.map((slot) => db.key(slot));
  const found: string[] = [];
  for (const key of candidates) {
    if (!matches(options.pattern, key)) continue;
    if (options.type !== null) {
      const slot = db.lookupNoTouch(key);
      const name = slot < 0 ? 'none' : db.typeName(slot);
      if (name !== options.type.toLowerCase()) continue;
    }
    if (db.lookupNoTouch(key) < 0) continue;
    found.push(key);
  }
  ctx.reply.array(2);
  ctx.reply.bulk(String(next));
  ctx.reply.bulkArray(found);
}

function randomkey(ctx: ExecContext): void {
  const db = ctx.db;
  for (let tries = 0; tries < 100 && db.size > 0; tries++) {
    const slot = randomPosition(db.size);
    const key = db.key(slot);
    if (!db.isExpired(slot) || ctx.keyspace.expiryPolicy === 'ignore') {
      ctx.reply.bulk(key);
      return;
    }
    // An expired key: a primary deletes it and tries again; a replica may only skip it.
    if (db.lookup(key) >= 0) {
      ctx.reply.bulk(key);
      return;
    }
  }
  if (db.size > 0 && ctx.keyspace.expiryPolicy === 'hide') {
    ctx.reply.bulk(db.key(randomPosition(db.size)));
    return;
  }
  ctx.reply.nil();
}

const EXPIRE_NX = 1;
const EXPIRE_XX = 2;
const EXPIRE_GT = 4;
const EXPIRE_LT = 8;

function expireCommand(ctx: ExecContext, argv: string[], unit: number, relative: boolean, name: string): void {
  let flags = 0;
  for (let i = 3; i < argv.length; i++) {
    const option = argv[i].toUpperCase();
    if (option === 'NX') flags |= EXPIRE_NX;
    else if (option === 'XX') flags |= EXPIRE_XX;
    else if (option === 'GT') flags |= EXPIRE_GT;
    else if (option === 'LT') flags |= EXPIRE_LT;
    else throw new RedisError(`Unsupported option ${argv[i]}`);
  }
  if ((flags & EXPIRE_NX) !== 0 && (flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) !== 0) {
    throw new RedisError('NX and XX, GT or LT options at the same time are not compatible');
  }
  if ((flags & EXPIRE_GT) !== 0 && (flags & EXPIRE_LT) !== 0) {
    throw new RedisError('GT and LT options at the same time are not compatible');
  }
  const key = argv[1];
  const when = expireTimeArg(argv[2], unit, relative ? ctx.keyspace.now : 0, name);
  const db = ctx.db;
  const slot = db.lookup(key);
  if (slot < 0) {
    ctx.reply.integer(0);
    return;
  }
  if (flags !== 0) {
    const current = db.expireAt(slot);
    const none = current === NO_EXPIRY;
    if (
      ((flags & EXPIRE_NX) !== 0 && !none) ||
      ((flags & EXPIRE_XX) !== 0 && none) ||
      ((flags & EXPIRE_GT) !== 0 && (none || when <= current)) ||
      ((flags & EXPIRE_LT) !== 0 && !none && when >= current)
    ) {
      ctx.reply.integer(0);
      return;
    }
  }
  ctx.keyspace.dirty++;
  ctx.reply.integer(1);
  if (when <= ctx.keyspace.now && ctx.keyspace.expiryPolicy === 'delete') {
    db.remove(slot);
    propagate(ctx, ['DEL', key]);
    return;
  }
  db.setExpire(slot, when);
  const effect = argv.slice();
  effect[0] = 'PEXPIREAT';
  effect[2] = String(when);
  propagate(ctx, effect);
}

function ttl(ctx: ExecContext, argv: string[], milliseconds: boolean, absolute: boolean): void {
  const db = ctx.db;
  const slot = db.lookupNoTouch(argv[1]);
  if (slot < 0) {
    ctx.reply.integer(-2);
    return;
  }
  const expireAt = db.expireAt(slot);
  if (expireAt === NO_EXPIRY) {
    ctx.reply.integer(-1);
    return;
  }
  const value = Math.max(0, absolute ? expireAt : expireAt - ctx.keyspace.now);
  ctx.reply.integer(milliseconds ? value : Math.floor((value + 500) / 1000));
}

function persist(ctx: ExecContext, argv: string[]): void {
  const db = ctx.db;
  const slot = db.lookup(argv[1]);
  if (slot >= 0 && db.persist(slot)) {
    ctx.keyspace.dirty++;
    ctx.reply.integer(1);
    propagate(ctx, argv);
  } else {
    ctx.reply.integer(0);
  }
}

function touch(ctx: ExecContext, argv: string[]): void {
  let touched = 0;
  for (let i = 1; i < argv.length; i++) if (ctx.db.lookupRead(argv[i]) >= 0) touched++;
  ctx.reply.integer(touched);
}

function dbsize(ctx: ExecContext): void {
  ctx.reply.integer(ctx.db.size);
}

function flushMode(argv: string[]): void {
  if (argv.length === 2 && !isKeyword(argv[1], 'SYNC') && !isKeyword(argv[1], 'ASYNC')) throw SYNTAX;
  if (argv.length > 2) throw SYNTAX;
}

function flushdb(ctx: ExecContext, argv: string[]): void {
  flushMode(argv);
  const removed = ctx.keyspace.flushDatabase(ctx.dbIndex);
  ctx.keyspace.dirty += removed;
  ctx.reply.ok();
  if (removed > 0) propagate(ctx, argv);
}

function flushall(ctx: ExecContext, argv: string[]): void {
  flushMode(argv);
  const removed = ctx.keyspace.flushAll();
  ctx.keyspace.dirty += removed;
  ctx.reply.ok();
  if (removed > 0) propagate(ctx, argv);
}

function swapdb(ctx: ExecContext, argv: string[]): void {
  const first = databaseArg(ctx, argv[1], 'invalid first DB index');
  const second = databaseArg(ctx, argv[2], 'invalid second DB index');
  ctx.keyspace.swapDatabases(first, second);
  ctx.keyspace.dirty++;
  ctx.reply.ok();
  propagate(ctx, argv);
}

function objectLookup(ctx: ExecContext, key: string): number {
  const slot = ctx.db.lookupNoTouch(key);
  if (slot < 0) ctx.reply.nil();
  return slot;
}

const OBJECT_HELP = [
  'ENCODING <key>',
  '    Encoding of the value stored at <key> (int, embstr, raw, listpack, quicklist, intset,',
  '    hashtable or skiplist).',
  'FREQ <key>',
  '    Access frequency of <key>; needs an LFU maxmemory-policy, which Understudy does not offer.',
  'IDLETIME <key>',
  '    Seconds since <key> was last read or written.',
  'REFCOUNT <key>',
  '    Reference count of the value at <key> (shared small integers report INT_MAX).',
];

export const keyCommands: CommandDefinition[] = [
  { name: 'del', arity: -2, flags: 'write', keys: [1, -1, 1], acl: 'keyspace write slow', run: deleteKeys },
  { name: 'unlink', arity: -2, flags: 'write fast', keys: [1, -1, 1], acl: 'keyspace write fast', run: deleteKeys },
  { name: 'exists', arity: -2, flags: 'readonly fast', keys: [1, -1, 1], acl: 'keyspace read fast', run: exists },
  { name: 'type', arity: 2, flags: 'readonly fast', keys: [1, 1, 1], acl: 'keyspace read fast', run: type },
  { name: 'select', arity: 2, flags: 'loading stale fast', acl: 'keyspace fast', run: select },
  {
    name: 'rename', arity: 3, flags: 'write', keys: [1, 2, 1], acl: 'keyspace write slow',
    run: (ctx, argv) => rename(ctx, argv, false),
  },
  {
    name: 'renamenx', arity: 3, flags: 'write fast', keys: [1, 2, 1], acl: 'keyspace write fast',
    run: (ctx, argv) => rename(ctx, argv, true),
  },
  { name: 'move', arity: 3, flags: 'write fast', keys: [1, 1, 1], acl: 'keyspace write fast', run: move },
  { name: 'copy', arity: -3, flags: 'write denyoom', keys: [1, 2, 1], acl: 'keyspace write slow', run: copy },
  { name: 'keys', arity: 2, flags: 'readonly', acl: 'keyspace read slow dangerous', run: keys },
  { name: 'scan', arity: -2, flags: 'readonly', acl: 'keyspace read slow', run: scan },
  { name: 'randomkey', arity: 1, flags: 'readonly', acl: 'keyspace read slow', run: randomkey },
  {
    name: 'expire', arity: -3, flags: 'write fast', keys: [1, 1, 1], acl: 'keyspace write fast',
    run: (ctx, argv) => expireCommand(ctx, argv, UNIT_SECONDS, true, 'expire'),
  },
  {
    name: 'pexpire', arity: -3, flags: 'write fast', keys: [1, 1, 1], acl: 'keyspace write fast',
    run: (ctx, argv) => expireCommand(ctx, argv, UNIT_MILLISECONDS, true, 'pexpire'),
  },
  {
    name: 'expireat', arity: -3, flags: 'write fast', keys: [1, 1, 1], acl: 'keyspace write fast',
    run: (ctx, argv) => expireCommand(ctx, argv, UNIT_SECONDS, false, 'expireat'),
  },
  {
    name: 'pexpireat', arity: -3, flags: 'write fast', keys: [1, 1, 1], acl: 'keyspace write fast',
    run: (ctx, argv) => expireCommand(ctx, argv, UNIT_MILLISECONDS, false, 'pexpireat'),
  },
  {
    name: 'ttl', arity: 2, flags: 'readonly fast', keys: [1, 1, 1], acl: 'keyspace read fast',
    run: (ctx, argv) => ttl(ctx, argv, false, false),
  },
  {
    name: 'pttl', arity: 2, flags: 'readonly fast', keys: [1, 1, 1], acl: 'keyspace read fast',
    run: (ctx, argv) => ttl(ctx, argv, true, false),
  },
  {
    name: 'expiretime', arity: 2, flags: 'readonly fast', keys: [1, 1, 1], acl: 'keyspace read fast',
    run: (ctx, argv) => ttl(ctx, argv, false, true),
  },
  {
    name: 'pexpiretime', arity: 2, flags: 'readonly fast', keys: [1, 1, 1], acl: 'keyspace read fast',
    run: (ctx, argv) => ttl(ctx, argv, true, true),
  },
  { name: 'persist', arity: 2, flags: 'write fast', keys: [1, 1, 1], acl: 'keyspace write fast', run: persist },
  { name: 'touch', arity: -2, flags: 'readonly fast', keys: [1, -1, 1], acl: 'keyspace read fast', run: touch },
  { name: 'dbsize', arity: 1, flags: 'readonly fast', acl: 'keyspace read fast', run: dbsize },
  { name: 'flushdb', arity: -1, flags: 'write', acl: 'keyspace write slow dangerous', run: flushdb },
  { name: 'flushall', arity: -1, flags: 'write', acl: 'keyspace write slow dangerous', run: flushall },
  { name: 'swapdb', arity: 3, flags: 'write fast', acl: 'keyspace write fast dangerous', run: swapdb },
  {
    name: 'object', arity: -2, flags: '', acl: 'slow',
    subcommands: [
      {
        name: 'encoding', arity: 3, flags: 'readonly', keys: [2, 2, 1], acl: 'keyspace read slow',
        run: (ctx, argv) => {
          const slot = objectLookup(ctx, argv[2]);
          if (slot >= 0) ctx.reply.bulk(ctx.db.encoding(slot));
        },
      },
      {
        name: 'refcount', arity: 3, flags: 'readonly', keys: [2, 2, 1], acl: 'keyspace read slow',
        run: (ctx, argv) => {
          const slot = objectLookup(ctx, argv[2]);
          if (slot < 0) return;
          const value = ctx.db.value(slot);
          const integer = typeof value === 'string' ? parseInteger(value) : NaN;
          ctx.reply.integer(integer >= 0 && integer < SHARED_INTEGERS ? SHARED_REFCOUNT : 1);
        },
      },
      {
        name: 'idletime', arity: 3, flags: 'readonly', keys: [2, 2, 1], acl: 'keyspace read slow',
        run: (ctx, argv) => {
          const slot = objectLookup(ctx, argv[2]);
          if (slot >= 0) ctx.reply.integer(ctx.db.idleSeconds(slot));
        },
      },
      {
        name: 'freq', arity: 3, flags: 'readonly', keys: [2, 2, 1], acl: 'keyspace read slow',
        run: (ctx, argv) => {
          if (objectLookup(ctx, argv[2]) < 0) return;
          throw new RedisError(
            'An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
          );
        },
      },
      {
        name: 'help', arity: 2, flags: 'loading stale', acl: 'keyspace slow',
        run: (ctx) => replyHelp(ctx, 'OBJECT', OBJECT_HELP),
      },
    ],
  },
];

