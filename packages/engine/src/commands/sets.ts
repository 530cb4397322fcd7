import type { CommandDefinition, ExecContext } from '../command.js';
import type { Database } from '../database.js';
import { RedisError, SYNTAX } from '../errors.js';
import { parseInteger } from '../numbers.js';
import { SetValue } from '../values/set-value.js';
import { asSet } from '../values/value.js';
import { randomCountArg, randomPicks, randomPosition } from './random.js';
import { matches, parseCursor, parseScanOptions, replyScan, scanPositions } from './scan.js';
import { isKeyword, nonNegativeArg, numkeysPositions, propagate } from './support.js';

function readSet(ctx: ExecContext, key: string): SetValue | null {
  const slot = ctx.db.lookupRead(key);
  return slot < 0 ? null : asSet(ctx.db.value(slot));
}

function replyMembers(ctx: ExecContext, set: SetValue | null): void {
  const size = set?.size ?? 0;
  ctx.reply.set(size);
  for (let i = 0; i < size; i++) ctx.reply.bulk(set!.memberAt(i));
}

function sadd(ctx: ExecContext, argv: string[]): void {
  const db = ctx.db;
  const key = argv[1];
  const slot = db.lookup(key);
  let set: SetValue;
  if (slot < 0) {
    set = new SetValue();
    db.add(key, set);
  } else {
    asSet(db.value(slot));
    set = db.writable(slot) as SetValue;
  }
  const limit = ctx.keyspace.limits.setMaxIntsetEntries;
  let added = 0;
  for (let i = 2; i < argv.length; i++) if (set.add(argv[i], limit)) added++;
  if (added > 0) {
    db.modified(key);
    ctx.keyspace.dirty += added;
    propagate(ctx, argv);
  }
  ctx.reply.integer(added);
}

/** After members were removed: deletes the key when the set emptied, else signals the change. */
function afterRemoval(db: Database, key: string, set: SetValue): void {
  if (set.size === 0) db.remove(db.peek(key));
  else db.modified(key);
}

function srem(ctx: ExecContext, argv: string[]): void {
  const db = ctx.db;
  const key = argv[1];
  const slot = db.lookup(key);
  if (slot < 0) {
    ctx.reply.integer(0);
    return;
  }
  asSet(db.value(slot));
  const set = db.writable(slot) as SetValue;
  let removed = 0;
  for (let i = 2; i < argv.length; i++) {
    if (set.delete(argv[i])) {
      removed++;
      if (set.size === 0) break;
    }
  }
  if (removed > 0) {
    afterRemoval(db, key, set);
    ctx.keyspace.dirty += removed;
    propagate(ctx, argv);
  }
  ctx.reply.integer(removed);
}

function scard(ctx: ExecContext, argv: string[]): void {
  ctx.reply.integer(readSet(ctx, argv[1])?.size ?? 0);
}

function sismember(ctx: ExecContext, argv: string[]): void {
  ctx.reply.integer(readSet(ctx, argv[1])?.has(argv[2]) === true ? 1 : 0);
}

function smismember(ctx: ExecContext, argv: string[]): void {
  const set = readSet(ctx, argv[1]);
  ctx.reply.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) ctx.reply.integer(set?.has(argv[i]) === true ? 1 : 0);
}

function smembers(ctx: ExecContext, argv: string[]): void {
  replyMembers(ctx, readSet(ctx, argv[1]));
}

function smove(ctx: ExecContext, argv: string[]): void {
  const [, source, destination, member] = argv;
  const db = ctx.db;
  const sourceSlot = db.lookup(source);
  // Redis looks the destination up even when the source is missing, which expires it.
  const destinationSlot = db.lookup(destination);
  if (sourceSlot < 0) {
    ctx.reply.integer(0);
    return;
  }
  const sourceSet = asSet(db.value(db.peek(source)));
  if (destinationSlot >= 0) asSet(db.value(destinationSlot));
  if (source === destination) {
    ctx.reply.integer(sourceSet.has(member) ? 1 : 0);
    return;
  }
  if (!sourceSet.has(member)) {
    ctx.reply.integer(0);
    return;
  }
  (db.writable(db.peek(source)) as SetValue).delete(member);
  afterRemoval(db, source, sourceSet);
  const existing = db.lookup(destination);
  if (existing < 0) {
    const set = new SetValue();
    set.add(member, ctx.keyspace.limits.setMaxIntsetEntries);
    db.add(destination, set);
  } else {
    (db.writable(existing) as SetValue).add(member, ctx.keyspace.limits.setMaxIntsetEntries);
    db.modified(destination);
  }
  ctx.keyspace.dirty++;
  ctx.reply.integer(1);
  propagate(ctx, argv);
}

function spop(ctx: ExecContext, argv: string[]): void {
  if (argv.length > 3) throw SYNTAX;
  const db = ctx.db;
  const key = argv[1];
  if (argv.length === 3) {
    spopCount(ctx, key, nonNegativeArg(argv[2]));
    return;
  }
  const slot = db.lookup(key);
  if (slot < 0) {
    ctx.reply.nil();
    return;
  }
  asSet(db.value(slot));
  const set = db.writable(slot) as SetValue;
  const position = randomPosition(set.size);
  const member = set.memberAt(position);
  set.deleteAt(position);
  afterRemoval(db, key, set);
  ctx.keyspace.dirty++;
  ctx.reply.bulk(member);
  propagate(ctx, ['SREM', key, member]);
}

function spopCount(ctx: ExecContext, key: string, count: number): void {
  const db = ctx.db;
  const slot = db.lookup(key);
  if (slot < 0) {
    ctx.reply.set(0);
    return;
  }
  const size = asSet(db.value(slot)).size;
  if (count === 0) {
    ctx.reply.set(0);
    return;
  }
  const set = db.writable(slot) as SetValue;
  if (count >= size) {
    replyMembers(ctx, set);
    db.remove(slot);
    ctx.keyspace.dirty += size;
    propagate(ctx, ['DEL', key]);
    return;
  }
  const popped: string[] = [];
  for (let i = 0; i < count; i++) {
    const position = randomPosition(set.size);
    popped.push(set.memberAt(position));
    set.deleteAt(position);
  }
  db.modified(key);
  ctx.keyspace.dirty += count;
  ctx.reply.set(popped.length);
  for (const member of popped) ctx.reply.bulk(member);
  propagate(ctx, ['SREM', key, ...popped]);
}

function srandmember(ctx: ExecContext, argv: string[]): void {
  if (argv.length > 3) throw SYNTAX;
  if (argv.length === 2) {
    const set = readSet(ctx, argv[1]);
    if (set === null) ctx.reply.nil();
    else ctx.reply.bulk(set.memberAt(randomPosition(set.size)));
    return;
  }
  const count = randomCountArg(argv[2]);
  const set = readSet(ctx, argv[1]);
  if (set === null || count === 0) {
    ctx.reply.array(0);
    return;
  }
  const picks = randomPicks(set.size, count);
  ctx.reply.array(picks.length);
  for (const position of picks) ctx.reply.bulk(set.memberAt(position));
}

/**
 * Reads the sets named by `keys` for an intersection, union or difference. Every key is looked
 * up and type-checked before any work; missing keys come back as null.
 */
function readSets(ctx: ExecContext, keys: readonly string[]): (SetValue | null)[] {
  return keys.map((key) => readSet(ctx, key));
}

function intersect(ctx: ExecContext, keys: readonly string[], limit = 0): SetValue | null {
  const sets = readSets(ctx, keys);
  if (sets.some((set) => set === null)) return null;
  const ordered = (sets as SetValue[]).slice().sort((a, b) => a.size - b.size);
  const result = new SetValue();
  const smallest = ordered[0];
  const entries = ctx.keyspace.limits.setMaxIntsetEntries;
  for (let i = 0; i < smallest.size; i++) {
    const member = smallest.memberAt(i);
    let everywhere = true;
    for (let j = 1; j < ordered.length; j++) {
      if (ordered[j] !== smallest && !ordered[j].has(member)) {
        everywhere = false;
        break;
      }
    }
    if (!everywhere) continue;
    result.add(member, entries);
    if (limit > 0 && result.size >= limit) break;
  }
  return result;
}

function combine(ctx: ExecContext, keys: readonly string[], difference: boolean): SetValue {
  const sets = readSets(ctx, keys);
  const result = new SetValue();
  const entries = ctx.keyspace.limits.setMaxIntsetEntries;
  if (!difference) {
    for (const set of sets) {
      if (set === null) continue;
      for (let i = 0; i < set.size; i++) result.add(set.memberAt(i), entries);
    }
    return result;
  }
  const first = sets[0];
  if (first === null) return result;
  for (let i = 0; i < first.size; i++) {
    const member = first.memberAt(i);
    let elsewhere = false;
    for (let j = 1; j < sets.length; j++) {
      if (sets[j]?.has(member) === true) {
        elsewhere = true;
        break;
      }
    }
    if (!elsewhere) result.add(member, entries);
  }
  return result;
}

/** Stores a computed set at `destination`, or deletes the destination when it is empty. */
function store(ctx: ExecContext, argv: string[], destination: string, result: SetValue | null): void {
  const db = ctx.db;
  if (result !== null && result.size > 0) {
    db.set(destination, result);
    ctx.keyspace.dirty++;
    ctx.reply.integer(result.size);
    propagate(ctx, argv);
    return;
  }
  ctx.reply.integer(0);
  if (db.delete(destination)) {
    ctx.keyspace.dirty++;
    propagate(ctx, argv);
  }
}

function sintercard(ctx: ExecContext, argv: string[]): void {
  const numkeys = parseInteger(argv[1]);
  if (!(numkeys >= 1)) throw new RedisError('numkeys should be greater than 0');
  if (numkeys > argv.length - 2) throw new RedisError("Number of keys can't be greater than number of args");
  let limit = 0;
  for (let i = 2 + numkeys; i < argv.length; i++) {
    if (isKeyword(argv[i], 'LIMIT') && i + 1 < argv.length) limit = nonNegativeArg(argv[++i], "LIMIT can't be negative");
    else throw SYNTAX;
  }
  const result = intersect(ctx, argv.slice(2, 2 + numkeys), limit);
  ctx.reply.integer(result?.size ?? 0);
}

function sscan(ctx: ExecContext, argv: string[]): void {
  const cursor = parseCursor(argv[2]);
  const set = readSet(ctx, argv[1]);
  if (set === null) {
    replyScan(ctx, 0, []);
    return;
  }
  const options = parseScanOptions(argv, 3, false);
  const found: string[] = [];
  if (set.isIntset) {
    for (let i = 0; i < set.size; i++) if (matches(options.pattern, set.memberAt(i))) found.push(set.memberAt(i));
    replyScan(ctx, 0, found);
    return;
  }
  const { positions, next } = scanPositions(cursor, options.count, set.size);
  for (const position of positions) {
    if (matches(options.pattern, set.memberAt(position))) found.push(set.memberAt(position));
  }
  replyScan(ctx, next, found);
}

export const setCommands: CommandDefinition[] = [
  { name: 'sadd', arity: -3, flags: 'write denyoom fast', keys: [1, 1, 1], acl: 'write set fast', run: sadd },
  { name: 'srem', arity: -3, flags: 'write fast', keys: [1, 1, 1], acl: 'write set fast', run: srem },
  { name: 'scard', arity: 2, flags: 'readonly fast', keys: [1, 1, 1], acl: 'read set fast', run: scard },
  { name: 'sismember', arity: 3, flags: 'readonly fast', keys: [1, 1, 1], acl: 'read set fast', run: sismember },
  { name: 'smismember', arity: -3, flags: 'readonly fast', keys: [1, 1, 1], acl: 'read set fast', run: smismember },
  { name: 'smembers', arity: 2, flags: 'readonly', keys: [1, 1, 1], acl: 'read set slow', run: smembers },
  { name: 'smove', arity: 4, flags: 'write fast', keys: [1, 2, 1], acl: 'write set fast', run: smove },
  { name: 'spop', arity: -2, flags: 'write fast', keys: [1, 1, 1], acl: 'write set fast', run: spop },
  { name: 'srandmember', arity: -2, flags: 'readonly', keys: [1, 1, 1], acl: 'read set slow', run: srandmember },
  {
    name: 'sinter', arity: -2, flags: 'readonly', keys: [1, -1, 1], acl: 'read set slow',
    run: (ctx, argv) => replyMembers(ctx, intersect(ctx, argv.slice(1))),
  },
  {
    name: 'sintercard', arity: -3, flags: 'readonly', acl: 'read set slow', run: sintercard,
    keysOf: (argv) => numkeysPositions(argv, 1),
  },
  {
    name: 'sunion', arity: -2, flags: 'readonly', keys: [1, -1, 1], acl: 'read set slow',
    run: (ctx, argv) => replyMembers(ctx, combine(ctx, argv.slice(1), false)),
  },
  {
    name: 'sdiff', arity: -2, flags: 'readonly', keys: [1, -1, 1], acl: 'read set slow',
    run: (ctx, argv) => replyMembers(ctx, combine(ctx, argv.slice(1), true)),
  },
  {
    name: 'sinterstore', arity: -3, flags: 'write denyoom', keys: [1, -1, 1], acl: 'write set slow',
    run: (ctx, argv) => store(ctx, argv, argv[1], intersect(ctx, argv.slice(2))),
  },
  {
    name: 'sunionstore', arity: -3, flags: 'write denyoom', keys: [1, -1, 1], acl: 'write set slow',
    run: (ctx, argv) => store(ctx, argv, argv[1], combine(ctx, argv.slice(2), false)),
  },
  {
    name: 'sdiffstore', arity: -3, flags: 'write denyoom', keys: [1, -1, 1], acl: 'write set slow',
    run: (ctx, argv) => store(ctx, argv, argv[1], combine(ctx, argv.slice(2), true)),
  },
  { name: 'sscan', arity: -3, flags: 'readonly', keys: [1, 1, 1], acl: 'read set slow', run: sscan },
];
