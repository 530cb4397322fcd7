import { formatDouble } from '@understudy/protocol';
import type { CommandDefinition, ExecContext } from '../command.js';
import type { Database } from '../database.js';
import { NOT_FLOAT, RedisError, SYNTAX, WRONG_TYPE } from '../errors.js';
import { parseDouble, parseInteger, strtod } from '../numbers.js';
import { SetValue } from '../values/set-value.js';
import { asZSet } from '../values/value.js';
import { ZSetValue } from '../values/zset-value.js';
import { randomCountArg, randomPicks, randomPosition } from './random.js';
import { matches, parseCursor, parseScanOptions, replyScan, scanPositions } from './scan.js';
import { integerArg, isKeyword, nonNegativeArg, numkeysPositions, propagate } from './support.js';

const NAN_SCORE = 'resulting score is not a number (NaN)';
const NOT_FLOAT_RANGE = new RedisError('min or max is not a float');
const NOT_LEX_RANGE = new RedisError('min or max not valid string range item');

function readZSet(ctx: ExecContext, key: string): ZSetValue | null {
  const slot = ctx.db.lookupRead(key);
  return slot < 0 ? null : asZSet(ctx.db.value(slot));
}

/** Converts a listpack-encoded set that outgrew zset-max-listpack-* (Redis never converts back). */
function convertIfLarge(ctx: ExecContext, zset: ZSetValue, member: string): void {
  const limits = ctx.keyspace.limits;
  if (zset.isListpack && (zset.size > limits.zsetMaxListpackEntries || member.length > limits.zsetMaxListpackValue)) {
    zset.isListpack = false;
  }
}

/** After members were removed: deletes the key when the set emptied, else signals the change. */
function afterRemoval(db: Database, key: string, zset: ZSetValue): void {
  if (zset.size === 0) db.remove(db.peek(key));
  else db.modified(key);
}

function replyScore(ctx: ExecContext, score: number | undefined): void {
  if (score === undefined) ctx.reply.nil();
  else ctx.reply.double(score);
}

// ---- ranges -----------------------------------------------------------------------------

interface ScoreRange {
  min: number;
  max: number;
  minExclusive: boolean;
  maxExclusive: boolean;
}

/** One end of a score range: "(" for exclusive, then what strtod accepts (not NaN). */
function scoreBound(text: string): [number, boolean] {
  const exclusive = text.startsWith('(');
  const body = exclusive ? text.slice(1) : text;
  const nul = body.indexOf('\0');
  const visible = nul === -1 ? body : body.slice(0, nul);
  const { value, end } = strtod(visible);
  if (end !== visible.length || Number.isNaN(value)) throw NOT_FLOAT_RANGE;
  return [value, exclusive];
}

function scoreRange(minText: string, maxText: string): ScoreRange {
  const [min, minExclusive] = scoreBound(minText);
  const [max, maxExclusive] = scoreBound(maxText);
  return { min, max, minExclusive, maxExclusive };
}

/** Ranks [first, last] of a score range; empty when first > last. */
function scoreRanks(zset: ZSetValue, range: ScoreRange): [number, number] {
  return [zset.order.firstByScore(range.min, range.minExclusive), zset.order.lastByScore(range.max, range.maxExclusive)];
}

/** A lex range end: "-" and "+" are the extremes, "[" inclusive and "(" exclusive. */
interface LexBound {
  value: string;
  exclusive: boolean;
  /** -1 for "-", 1 for "+", 0 for a real string. */
  infinity: number;
}

function lexBound(text: string): LexBound {
  const first = text[0];
  if (first === '+' && text.length === 1) return { value: '', exclusive: false, infinity: 1 };
  if (first === '-' && text.length === 1) return { value: '', exclusive: false, infinity: -1 };
  if (first === '(' || first === '[') return { value: text.slice(1), exclusive: first === '(', infinity: 0 };
  throw NOT_LEX_RANGE;
}

/** Whether a member is at or above a range's lower end. */
function aboveMin(member: string, min: LexBound): boolean {
  if (min.infinity !== 0) return min.infinity < 0;
  return min.exclusive ? member > min.value : member >= min.value;
}

/** Whether a member is at or below a range's upper end. */
function belowMax(member: string, max: LexBound): boolean {
  if (max.infinity !== 0) return max.infinity > 0;
  return max.exclusive ? member < max.value : member <= max.value;
}

/** An empty range by its ends alone: min above max, or equal with either end exclusive. */
function emptyLexRange(min: LexBound, max: LexBound): boolean {
  let order: number;
  if (min.infinity !== 0 && min.infinity === max.infinity) order = 0;
  else if (min.infinity < 0 || max.infinity > 0) order = -1;
  else if (min.infinity > 0 || max.infinity < 0) order = 1;
  else order = min.value < max.value ? -1 : min.value > max.value ? 1 : 0;
  return order > 0 || (order === 0 && (min.exclusive || max.exclusive));
}

/**
 * Ranks [first, last] of a lex range in a listpack-encoded set, found as Redis walks a
 * listpack: the range must reach the last member from below and the first from above; a
 * forward range starts at the first member at or above min and runs while members stay at or
 * below max, a reverse one starts from the end. On a set whose scores are equal (the only case
 * Redis specifies) that is the binary search's answer; on others it is Redis's answer.
 */
function listpackLexRanks(zset: ZSetValue, min: LexBound, max: LexBound, reverse: boolean): [number, number] {
  const members: string[] = [];
  if (zset.size > 0) zset.order.visit(0, zset.size - 1, (_score, member) => members.push(member));
  const size = members.length;
  if (size === 0 || emptyLexRange(min, max) || !aboveMin(members[size - 1], min) || !belowMax(members[0], max)) return [0, -1];
  if (!reverse) {
    let first = 0;
    while (first < size && !aboveMin(members[first], min)) first++;
    if (first === size || !belowMax(members[first], max)) return [0, -1];
    let last = first;
    while (last + 1 < size && belowMax(members[last + 1], max)) last++;
    return [first, last];
  }
  let last = size - 1;
  while (last >= 0 && !belowMax(members[last], max)) last--;
  if (last < 0 || !aboveMin(members[last], min)) return [0, -1];
  let first = last;
  while (first > 0 && aboveMin(members[first - 1], min)) first--;
  return [first, last];
}

function lexRanks(zset: ZSetValue, minText: string, maxText: string, reverse = false): [number, number] {
  const min = lexBound(minText);
  const max = lexBound(maxText);
  if (zset.isListpack) return listpackLexRanks(zset, min, max, reverse);
  const order = zset.order;
  const first = min.infinity < 0 ? 0 : min.infinity > 0 ? order.size : order.firstByMember(min.value, min.exclusive);
  const last = max.infinity > 0 ? order.size - 1 : max.infinity < 0 ? -1 : order.lastByMember(max.value, max.exclusive);
  return [first, last];
}

function parseLexRange(minText: string, maxText: string): void {
  lexBound(minText);
  lexBound(maxText);
}

// ---- ZADD and friends -------------------------------------------------------------------

const ZADD_NX = 1;
const ZADD_XX = 2;
const ZADD_GT = 4;
const ZADD_LT = 8;
const ZADD_INCR = 16;
const ZADD_CH = 32;

function zadd(ctx: ExecContext, argv: string[], forceIncr: boolean): void {
  let flags = forceIncr ? ZADD_INCR : 0;
  let at = 2;
  if (!forceIncr) {
    for (; at < argv.length; at++) {
      const option = argv[at].toUpperCase();
      if (option === 'NX') flags |= ZADD_NX;
      else if (option === 'XX') flags |= ZADD_XX;
      else if (option === 'CH') flags |= ZADD_CH;
      else if (option === 'INCR') flags |= ZADD_INCR;
      else if (option === 'GT') flags |= ZADD_GT;
      else if (option === 'LT') flags |= ZADD_LT;
      else break;
    }
  }
  const pairs = argv.length - at;
  if (pairs % 2 !== 0 || pairs === 0) throw SYNTAX;
  const has = (flag: number): boolean => (flags & flag) !== 0;
  if (has(ZADD_NX) && has(ZADD_XX)) throw new RedisError('XX and NX options at the same time are not compatible');
  if ((has(ZADD_GT) && has(ZADD_NX)) || (has(ZADD_LT) && has(ZADD_NX)) || (has(ZADD_GT) && has(ZADD_LT))) {
    throw new RedisError('GT, LT, and/or NX options at the same time are not compatible');
  }
  if (has(ZADD_INCR) && pairs > 2) throw new RedisError('INCR option supports a single increment-element pair');
  const scores: number[] = [];
  for (let i = at; i < argv.length; i += 2) {
    const score = parseDouble(argv[i]);
    if (Number.isNaN(score)) throw NOT_FLOAT;
    scores.push(score);
  }
  const db = ctx.db;
  const key = argv[1];
  const slot = db.lookup(key);
  if (slot >= 0) asZSet(db.value(slot));
  let added = 0;
  let updated = 0;
  let processed = 0;
  let lastScore = 0;
  let zset: ZSetValue | null = null;
  if (slot < 0 && !has(ZADD_XX)) {
    zset = new ZSetValue();
    const limits = ctx.keyspace.limits;
    if (limits.zsetMaxListpackEntries === 0 || limits.zsetMaxListpackValue < argv[at + 1].length) zset.isListpack = false;
    db.add(key, zset);
  } else if (slot >= 0) {
    zset = db.writable(slot) as ZSetValue;
  }
  let failed = false;
  if (zset !== null) {
    for (let i = 0; i < scores.length; i++) {
      const member = argv[at + 1 + i * 2];
      let score = scores[i];
      const current = zset.score(member);
      if (current !== undefined) {
        if (has(ZADD_NX)) continue;
        if (has(ZADD_INCR)) {
          score += current;
          if (Number.isNaN(score)) {
            failed = true;
            break;
          }
        }
        if ((has(ZADD_LT) && score >= current) || (has(ZADD_GT) && score <= current)) continue;
        if (score !== current) {
          zset.set(member, score);
          updated++;
        }
      } else {
        if (has(ZADD_XX)) continue;
        zset.set(member, score);
        convertIfLarge(ctx, zset, member);
        added++;
      }
      processed++;
      lastScore = score;
    }
  }
  if (added + updated > 0) {
    db.modified(key);
    ctx.keyspace.dirty += added + updated;
    propagate(ctx, argv);
  }
  if (failed) throw new RedisError(NAN_SCORE);
  if (has(ZADD_INCR)) {
    if (processed > 0) ctx.reply.double(lastScore);
    else ctx.reply.nil();
  } else {
    ctx.reply.integer(has(ZADD_CH) ? added + updated : added);
  }
}

function zincrby(ctx: ExecContext, argv: string[]): void {
  zadd(ctx, [argv[0], argv[1], argv[2], argv[3]], true);
}

function zrem(ctx: ExecContext, argv: string[]): void {
  const db = ctx.db;
  const key = argv[1];
  const slot = db.lookup(key);
  if (slot < 0) {
    ctx.reply.integer(0);
    return;
  }
  asZSet(db.value(slot));
  const zset = db.writable(slot) as ZSetValue;
  let removed = 0;
  for (let i = 2; i < argv.length; i++) {
    if (zset.delete(argv[i])) {
      removed++;
      if (zset.size === 0) break;
    }
  }
  if (removed > 0) {
    afterRemoval(db, key, zset);
    ctx.keyspace.dirty += removed;
    propagate(ctx, argv);
  }
  ctx.reply.integer(removed);
}

function zcard(ctx: ExecContext, argv: string[]): void {
  ctx.reply.integer(readZSet(ctx, argv[1])?.size ?? 0);
}

function zscore(ctx: ExecContext, argv: string[]): void {
  replyScore(ctx, readZSet(ctx, argv[1])?.score(argv[2]));
}

function zmscore(ctx: ExecContext, argv: string[]): void {
  const zset = readZSet(ctx, argv[1]);
  ctx.reply.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) replyScore(ctx, zset?.score(argv[i]));
}

function zrank(ctx: ExecContext, argv: string[], reverse: boolean): void {
  const zset = readZSet(ctx, argv[1]);
  const rank = zset?.rank(argv[2]) ?? -1;
  if (rank < 0) ctx.reply.nil();
  else ctx.reply.integer(reverse ? zset!.size - 1 - rank : rank);
}

function zcount(ctx: ExecContext, argv: string[]): void {
  const range = scoreRange(argv[2], argv[3]);
  const zset = readZSet(ctx, argv[1]);
  if (zset === null) {
    ctx.reply.integer(0);
    return;
  }
  const [first, last] = scoreRanks(zset, range);
  ctx.reply.integer(Math.max(0, last - first + 1));
}

function zlexcount(ctx: ExecContext, argv: string[]): void {
  parseLexRange(argv[2], argv[3]);
  const zset = readZSet(ctx, argv[1]);
  if (zset === null) {
    ctx.reply.integer(0);
    return;
  }
  const [first, last] = lexRanks(zset, argv[2], argv[3]);
  ctx.reply.integer(Math.max(0, last - first + 1));
}

// ---- ZRANGE -----------------------------------------------------------------------------

type RangeKind = 'rank' | 'score' | 'lex';

interface RangeRequest {
  kind: RangeKind;
  reverse: boolean;
  withScores: boolean;
  offset: number;
  /** -1 for no limit. */
  count: number;
  hasLimit: boolean;
}

/** Entries selected by a range request, in reply order. */
interface Selection {
  members: string[];
  scores: number[];
}

/**
 * The ZRANGE family: parses options from `from` (the first argument after min and max) as
 * Redis does for the command flavour given, then selects entries.
 */
function parseRange(argv: string[], from: number, kind: RangeKind | null, reverse: boolean | null, store: boolean): RangeRequest {
  const request: RangeRequest = { kind: kind ?? 'rank', reverse: reverse ?? false, withScores: false, offset: 0, count: -1, hasLimit: false };
  let explicitKind = kind !== null;
  let explicitDirection = reverse !== null;
  for (let i = from; i < argv.length; i++) {
    const option = argv[i].toUpperCase();
    const left = argv.length - i - 1;
    if (!store && option === 'WITHSCORES') request.withScores = true;
    else if (option === 'LIMIT' && left >= 2) {
      request.offset = integerArg(argv[i + 1]);
      request.count = integerArg(argv[i + 2]);
      request.hasLimit = request.count !== -1;
      i += 2;
    } else if (!explicitDirection && option === 'REV') {
      request.reverse = true;
      explicitDirection = true;
    } else if (!explicitKind && option === 'BYLEX') {
      request.kind = 'lex';
      explicitKind = true;
    } else if (!explicitKind && option === 'BYSCORE') {
      request.kind = 'score';
      explicitKind = true;
    } else throw SYNTAX;
  }
  if (request.hasLimit && request.kind === 'rank') {
    throw new RedisError('syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
  }
  if (request.withScores && request.kind === 'lex') throw new RedisError('syntax error, WITHSCORES not supported in combination with BYLEX');
  return request;
}

/** Validates min/max for the request kind (errors come before the key lookup, as in Redis). */
function checkBounds(request: RangeRequest, min: string, max: string): void {
  if (request.kind === 'rank') {
    integerArg(min);
    integerArg(max);
  } else if (request.kind === 'score') scoreRange(min, max);
  else parseLexRange(min, max);
}

function select(zset: ZSetValue, request: RangeRequest, minArg: string, maxArg: string): Selection {
  const selection: Selection = { members: [], scores: [] };
  const size = zset.size;
  let from: number;
  let to: number;
  if (request.kind === 'rank') {
    let start = integerArg(minArg);
    let end = integerArg(maxArg);
    if (start < 0) start += size;
    if (end < 0) end += size;
    if (start < 0) start = 0;
    if (start > end || start >= size) return selection;
    if (end >= size) end = size - 1;
    [from, to] = request.reverse ? [size - 1 - start, size - 1 - end] : [start, end];
  } else {
    const [low, high] = request.kind === 'score' ? scoreRanks(zset, scoreRange(minArg, maxArg)) : lexRanks(zset, minArg, maxArg, request.reverse);
    if (low > high) return selection;
    // A negative offset selects nothing; a negative count means no limit.
    if (request.offset < 0) return selection;
    const available = high - low + 1;
    if (request.offset >= available) return selection;
    const take = request.count < 0 ? available - request.offset : Math.min(request.count, available - request.offset);
    if (take === 0) return selection;
    [from, to] = request.reverse ? [high - request.offset, high - request.offset - take + 1] : [low + request.offset, low + request.offset + take - 1];
  }
  zset.order.visit(from, to, (score, member) => {
    selection.members.push(member);
    selection.scores.push(score);
  });
  return selection;
}

function replySelection(ctx: ExecContext, selection: Selection, withScores: boolean): void {
  const count = selection.members.length;
  const pairs = withScores && ctx.reply.protocol === 3;
  ctx.reply.array(withScores && !pairs ? count * 2 : count);
  for (let i = 0; i < count; i++) {
    if (pairs) ctx.reply.array(2);
    ctx.reply.bulk(selection.members[i]);
    if (withScores) ctx.reply.double(selection.scores[i]);
  }
}

/** ZRANGE and its older spellings; `min`/`max` are argument positions (swapped for REV). */
function zrange(ctx: ExecContext, argv: string[], kind: RangeKind | null, reverse: boolean | null): void {
  const request = parseRange(argv, 4, kind, reverse, false);
  let [minArg, maxArg] = [argv[2], argv[3]];
  if (request.reverse && request.kind !== 'rank') [minArg, maxArg] = [maxArg, minArg];
  checkBounds(request, minArg, maxArg);
  const zset = readZSet(ctx, argv[1]);
  if (zset === null) {
    ctx.reply.array(0);
    return;
  }
  replySelection(ctx, select(zset, request, minArg, maxArg), request.withScores);
}

function zrangestore(ctx: ExecContext, argv: string[]): void {
  const request = parseRange(argv, 5, null, null, true);
  let [minArg, maxArg] = [argv[3], argv[4]];
  if (request.reverse && request.kind !== 'rank') [minArg, maxArg] = [maxArg, minArg];
  checkBounds(request, minArg, maxArg);
  const source = readZSet(ctx, argv[2]);
  // Built as a skiplist, as Redis builds it, then settled.
  const result = new ZSetValue();
  result.isListpack = false;
  if (source !== null) {
    const selection = select(source, request, minArg, maxArg);
    for (let i = 0; i < selection.members.length; i++) result.set(selection.members[i], selection.scores[i]);
  }
  store(ctx, argv, argv[1], result);
}

/** Stores a computed zset at `destination`, or deletes the destination when it is empty. */
function store(ctx: ExecContext, argv: string[], destination: string, result: ZSetValue): void {
  const db = ctx.db;
  if (result.size > 0) {
    result.settleEncoding(ctx.keyspace.limits);
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

// ---- removal ----------------------------------------------------------------------------

function zremrange(ctx: ExecContext, argv: string[], kind: RangeKind): void {
  const request: RangeRequest = { kind, reverse: false, withScores: false, offset: 0, count: -1, hasLimit: false };
  checkBounds(request, argv[2], argv[3]);
  const db = ctx.db;
  const key = argv[1];
  const slot = db.lookup(key);
  if (slot < 0) {
    ctx.reply.integer(0);
    return;
  }
  const selection = select(asZSet(db.value(slot)), request, argv[2], argv[3]);
  const removed = selection.members.length;
  if (removed > 0) {
    const zset = db.writable(slot) as ZSetValue;
    for (const member of selection.members) zset.delete(member);
    afterRemoval(db, key, zset);
    ctx.keyspace.dirty += removed;
    propagate(ctx, argv);
  }
  ctx.reply.integer(removed);
}

function zpop(ctx: ExecContext, argv: string[], max: boolean): void {
  if (argv.length > 3) throw SYNTAX;
  const hasCount = argv.length === 3;
  const count = hasCount ? nonNegativeArg(argv[2]) : 1;
  const db = ctx.db;
  const key = argv[1];
  const slot = db.lookup(key);
  if (slot < 0) {
    ctx.reply.array(0);
    return;
  }
  asZSet(db.value(slot));
  if (count === 0) {
    ctx.reply.array(0);
    return;
  }
  const zset = db.writable(slot) as ZSetValue;
  const taken = Math.min(count, zset.size);
  const nested = hasCount && ctx.reply.protocol === 3;
  ctx.reply.array(nested ? taken : taken * 2);
  for (let i = 0; i < taken; i++) {
    const rank = max ? zset.size - 1 : 0;
    const member = zset.order.memberAt(rank);
    const score = zset.order.scoreAt(rank);
    zset.delete(member);
    if (nested) ctx.reply.array(2);
    ctx.reply.bulk(member);
    ctx.reply.double(score);
  }
  afterRemoval(db, key, zset);
  ctx.keyspace.dirty += taken;
  propagate(ctx, argv);
}

function zrandmember(ctx: ExecContext, argv: string[]): void {
  if (argv.length === 2) {
    const zset = readZSet(ctx, argv[1]);
    if (zset === null) ctx.reply.nil();
    else ctx.reply.bulk(zset.memberAt(randomPosition(zset.size)));
    return;
  }
  const count = randomCountArg(argv[2]);
  let withScores = false;
  if (argv.length > 4 || (argv.length === 4 && !isKeyword(argv[3], 'WITHSCORES'))) throw SYNTAX;
  if (argv.length === 4) {
    withScores = true;
    if (Math.abs(count) > 4611686018427387903) throw new RedisError('value is out of range');
  }
  const zset = readZSet(ctx, argv[1]);
  if (zset === null || count === 0) {
    ctx.reply.array(0);
    return;
  }
  // Whole-set answers come in rank order, as Redis walks its listpack or skiplist.
  const picks = count >= zset.size ? Array.from({ length: zset.size }, (_, i) => i) : randomPicks(zset.size, count);
  const ordered = count >= zset.size;
  const pairs = withScores && ctx.reply.protocol === 3;
  ctx.reply.array(withScores && !pairs ? picks.length * 2 : picks.length);
  for (const pick of picks) {
    const member = ordered ? zset.order.memberAt(pick) : zset.memberAt(pick);
    const score = ordered ? zset.order.scoreAt(pick) : zset.scoreAt(pick);
    if (pairs) ctx.reply.array(2);
    ctx.reply.bulk(member);
    if (withScores) ctx.reply.double(score);
  }
}

/** Redis's d2string, how a listpack stores scores: integral ones as integers, others %.17g. */
function listpackScore(score: number): string {
  if (Number.isInteger(score) && Math.abs(score) < 2 ** 63 && !Object.is(score, -0)) return BigInt(score).toString();
  return formatDouble(score);
}

function zscan(ctx: ExecContext, argv: string[]): void {
  const cursor = parseCursor(argv[2]);
  const zset = readZSet(ctx, argv[1]);
  if (zset === null) {
    replyScan(ctx, 0, []);
    return;
  }
  const options = parseScanOptions(argv, 3, false);
  const found: string[] = [];
  if (zset.isListpack) {
    zset.order.visit(0, zset.size - 1, (score, member) => {
      if (matches(options.pattern, member)) found.push(member, listpackScore(score));
    });
    replyScan(ctx, 0, found);
    return;
  }
  const { positions, next } = scanPositions(cursor, options.count, zset.size);
  for (const position of positions) {
    const member = zset.memberAt(position);
    if (matches(options.pattern, member)) found.push(member, formatDouble(zset.scoreAt(position)));
  }
  replyScan(ctx, next, found);
}

// ---- set operations ---------------------------------------------------------------------

type Aggregate = 'sum' | 'min' | 'max';
type SetOperation = 'union' | 'inter' | 'diff';

/** A source of a set operation: a sorted set, or a plain set whose members score 1. */
interface Source {
  size: number;
  score(member: string): number | undefined;
  forEach(visit: (member: string, score: number) => void): void;
}

function sourceOf(value: ZSetValue | SetValue | null): Source {
  if (value === null) return { size: 0, score: () => undefined, forEach: () => undefined };
  if (value instanceof SetValue) {
    return {
      size: value.size,
      score: (member) => (value.has(member) ? 1 : undefined),
      forEach: (visit) => {
        for (let i = 0; i < value.size; i++) visit(value.memberAt(i), 1);
      },
    };
  }
  return {
    size: value.size,
    score: (member) => value.score(member),
    forEach: (visit) => {
      if (value.size > 0) value.order.visit(0, value.size - 1, (score, member) => visit(member, score));
    },
  };
}

function aggregate(kind: Aggregate, current: number, value: number): number {
  if (kind === 'sum') {
    const sum = current + value;
    return Number.isNaN(sum) ? 0 : sum;
  }
  return kind === 'min' ? Math.min(current, value) : Math.max(current, value);
}

function weighted(score: number, weight: number): number {
  const value = score * weight;
  return Number.isNaN(value) ? 0 : value;
}

interface SetOperationRequest {
  sources: Source[];
  weights: number[];
  aggregate: Aggregate;
  withScores: boolean;
  limit: number;
}

/**
 * Parses `numkeys key [key ...] [WEIGHTS ...] [AGGREGATE ...] [WITHSCORES]` from `at`. The
 * keys are looked up and type-checked before the options are read, as in Redis.
 */
function parseSetOperation(ctx: ExecContext, argv: string[], at: number, operation: SetOperation, command: string, options: { store: boolean; cardinality: boolean }): SetOperationRequest {
  const numkeys = integerArg(argv[at]);
  if (numkeys < 1) throw new RedisError(`at least 1 input key is needed for '${command}' command`);
  if (numkeys > argv.length - at - 1) throw SYNTAX;
  const sources: Source[] = [];
  for (let i = 0; i < numkeys; i++) {
    const slot = ctx.db.lookupRead(argv[at + 1 + i]);
    const value = slot < 0 ? null : ctx.db.value(slot);
    if (value !== null && !(value instanceof ZSetValue) && !(value instanceof SetValue)) throw WRONG_TYPE;
    sources.push(sourceOf(value));
  }
  const request: SetOperationRequest = { sources, weights: sources.map(() => 1), aggregate: 'sum', withScores: false, limit: 0 };
  for (let i = at + 1 + numkeys; i < argv.length; i++) {
    const option = argv[i].toUpperCase();
    const remaining = argv.length - i;
    if (operation !== 'diff' && !options.cardinality && option === 'WEIGHTS' && remaining >= numkeys + 1) {
      for (let w = 0; w < numkeys; w++) {
        const weight = parseDouble(argv[i + 1 + w]);
        if (Number.isNaN(weight)) throw new RedisError('weight value is not a float');
        request.weights[w] = weight;
      }
      i += numkeys;
    } else if (operation !== 'diff' && !options.cardinality && option === 'AGGREGATE' && remaining >= 2) {
      const kind = argv[i + 1].toLowerCase();
      if (kind !== 'sum' && kind !== 'min' && kind !== 'max') throw SYNTAX;
      request.aggregate = kind;
      i++;
    } else if (!options.store && !options.cardinality && option === 'WITHSCORES') {
      request.withScores = true;
    } else if (options.cardinality && option === 'LIMIT' && remaining >= 2) {
      request.limit = nonNegativeArg(argv[i + 1], "LIMIT can't be negative");
      i++;
    } else throw SYNTAX;
  }
  return request;
}

function computeSetOperation(request: SetOperationRequest, operation: SetOperation): ZSetValue {
  const { sources, weights } = request;
  // Built as a skiplist, as Redis builds it; storing settles the encoding.
  const result = new ZSetValue();
  result.isListpack = false;
  if (operation === 'union') {
    const scores = new Map<string, number>();
    sources.forEach((source, i) =>
      source.forEach((member, score) => {
        const value = weighted(score, weights[i]);
        const current = scores.get(member);
        scores.set(member, current === undefined ? value : aggregate(request.aggregate, current, value));
      }),
    );
    for (const [member, score] of scores) result.set(member, score);
  } else if (operation === 'inter') {
    const order = sources.map((source, i) => [source, weights[i]] as const).sort((a, b) => a[0].size - b[0].size);
    const [first, firstWeight] = order[0];
    first.forEach((member, score) => {
      let value = weighted(score, firstWeight);
      for (let i = 1; i < order.length; i++) {
        const other = order[i][0].score(member);
        if (other === undefined) return;
        value = aggregate(request.aggregate, value, weighted(other, order[i][1]));
      }
      result.set(member, value);
    });
  } else {
    sources[0].forEach((member, score) => {
      for (let i = 1; i < sources.length; i++) if (sources[i].score(member) !== undefined) return;
      result.set(member, score);
    });
  }
  return result;
}

function setOperationStore(ctx: ExecContext, argv: string[], operation: SetOperation): void {
  const request = parseSetOperation(ctx, argv, 2, operation, argv[0].toLowerCase(), { store: true, cardinality: false });
  store(ctx, argv, argv[1], computeSetOperation(request, operation));
}

function setOperationReply(ctx: ExecContext, argv: string[], operation: SetOperation): void {
  const request = parseSetOperation(ctx, argv, 1, operation, argv[0].toLowerCase(), { store: false, cardinality: false });
  const result = computeSetOperation(request, operation);
  const selection: Selection = { members: [], scores: [] };
  if (result.size > 0) {
    result.order.visit(0, result.size - 1, (score, member) => {
      selection.members.push(member);
      selection.scores.push(score);
    });
  }
  replySelection(ctx, selection, request.withScores);
}

function zintercard(ctx: ExecContext, argv: string[]): void {
  const numkeys = parseInteger(argv[1]);
  if (!(numkeys >= 1)) throw new RedisError('numkeys should be greater than 0');
  const request = parseSetOperation(ctx, argv, 1, 'inter', 'zintercard', { store: false, cardinality: true });
  const size = computeSetOperation(request, 'inter').size;
  ctx.reply.integer(request.limit > 0 ? Math.min(size, request.limit) : size);
}

const zsetRead = 'read sortedset slow';
const zsetWrite = 'write sortedset slow';

export const zsetCommands: CommandDefinition[] = [
  { name: 'zadd', arity: -4, flags: 'write denyoom fast', keys: [1, 1, 1], acl: 'write sortedset fast', run: (ctx, argv) => zadd(ctx, argv, false) },
  { name: 'zincrby', arity: 4, flags: 'write denyoom fast', keys: [1, 1, 1], acl: 'write sortedset fast', run: zincrby },
  { name: 'zrem', arity: -3, flags: 'write fast', keys: [1, 1, 1], acl: 'write sortedset fast', run: zrem },
  { name: 'zcard', arity: 2, flags: 'readonly fast', keys: [1, 1, 1], acl: 'read sortedset fast', run: zcard },
  { name: 'zscore', arity: 3, flags: 'readonly fast', keys: [1, 1, 1], acl: 'read sortedset fast', run: zscore },
  { name: 'zmscore', arity: -3, flags: 'readonly fast', keys: [1, 1, 1], acl: 'read sortedset fast', run: zmscore },
  { name: 'zrank', arity: 3, flags: 'readonly fast', keys: [1, 1, 1], acl: 'read sortedset fast', run: (ctx, argv) => zrank(ctx, argv, false) },
  { name: 'zrevrank', arity: 3, flags: 'readonly fast', keys: [1, 1, 1], acl: 'read sortedset fast', run: (ctx, argv) => zrank(ctx, argv, true) },
  { name: 'zcount', arity: 4, flags: 'readonly fast', keys: [1, 1, 1], acl: 'read sortedset fast', run: zcount },
  { name: 'zlexcount', arity: 4, flags: 'readonly fast', keys: [1, 1, 1], acl: 'read sortedset fast', run: zlexcount },
  { name: 'zrange', arity: -4, flags: 'readonly', keys: [1, 1, 1], acl: zsetRead, run: (ctx, argv) => zrange(ctx, argv, null, null) },
  { name: 'zrangestore', arity: -5, flags: 'write denyoom', keys: [1, 2, 1], acl: zsetWrite, run: zrangestore },
  { name: 'zrangebyscore', arity: -4, flags: 'readonly', keys: [1, 1, 1], acl: zsetRead, run: (ctx, argv) => zrange(ctx, argv, 'score', false) },
  { name: 'zrevrangebyscore', arity: -4, flags: 'readonly', keys: [1, 1, 1], acl: zsetRead, run: (ctx, argv) => zrange(ctx, argv, 'score', true) },
  { name: 'zrangebylex', arity: -4, flags: 'readonly', keys: [1, 1, 1], acl: zsetRead, run: (ctx, argv) => zrange(ctx, argv, 'lex', false) },
  { name: 'zrevrangebylex', arity: -4, flags: 'readonly', keys: [1, 1, 1], acl: zsetRead, run: (ctx, argv) => zrange(ctx, argv, 'lex', true) },
  { name: 'zrevrange', arity: -4, flags: 'readonly', keys: [1, 1, 1], acl: zsetRead, run: (ctx, argv) => zrange(ctx, argv, 'rank', true) },
  { name: 'zremrangebyrank', arity: 4, flags: 'write', keys: [1, 1, 1], acl: zsetWrite, run: (ctx, argv) => zremrange(ctx, argv, 'rank') },
  { name: 'zremrangebyscore', arity: 4, flags: 'write', keys: [1, 1, 1], acl: zsetWrite, run: (ctx, argv) => zremrange(ctx, argv, 'score') },
  { name: 'zremrangebylex', arity: 4, flags: 'write', keys: [1, 1, 1], acl: zsetWrite, run: (ctx, argv) => zremrange(ctx, argv, 'lex') },
  { name: 'zpopmin', arity: -2, flags: 'write fast', keys: [1, 1, 1], acl: 'write sortedset fast', run: (ctx, argv) => zpop(ctx, argv, false) },
  { name: 'zpopmax', arity: -2, flags: 'write fast', keys: [1, 1, 1], acl: 'write sortedset fast', run: (ctx, argv) => zpop(ctx, argv, true) },
  { name: 'zrandmember', arity: -2, flags: 'readonly', keys: [1, 1, 1], acl: zsetRead, run: zrandmember },
  { name: 'zscan', arity: -3, flags: 'readonly', keys: [1, 1, 1], acl: zsetRead, run: zscan },
  {
    name: 'zunionstore', arity: -4, flags: 'write denyoom', keys: [1, 1, 1], acl: zsetWrite,
    keysOf: (argv) => [1, ...numkeysPositions(argv, 2)], run: (ctx, argv) => setOperationStore(ctx, argv, 'union'),
  },
  {
    name: 'zinterstore', arity: -4, flags: 'write denyoom', keys: [1, 1, 1], acl: zsetWrite,
    keysOf: (argv) => [1, ...numkeysPositions(argv, 2)], run: (ctx, argv) => setOperationStore(ctx, argv, 'inter'),
  },
  {
    name: 'zdiffstore', arity: -4, flags: 'write denyoom', keys: [1, 1, 1], acl: zsetWrite,
    keysOf: (argv) => [1, ...numkeysPositions(argv, 2)], run: (ctx, argv) => setOperationStore(ctx, argv, 'diff'),
  },
  { name: 'zunion', arity: -3, flags: 'readonly', acl: zsetRead, keysOf: (argv) => numkeysPositions(argv, 1), run: (ctx, argv) => setOperationReply(ctx, argv, 'union') },
  { name: 'zinter', arity: -3, flags: 'readonly', acl: zsetRead, keysOf: (argv) => numkeysPositions(argv, 1), run: (ctx, argv) => setOperationReply(ctx, argv, 'inter') },
  { name: 'zdiff', arity: -3, flags: 'readonly', acl: zsetRead, keysOf: (argv) => numkeysPositions(argv, 1), run: (ctx, argv) => setOperationReply(ctx, argv, 'diff') },
  { name: 'zintercard', arity: -3, flags: 'readonly', acl: zsetRead, keysOf: (argv) => numkeysPositions(argv, 1), run: zintercard },
];
