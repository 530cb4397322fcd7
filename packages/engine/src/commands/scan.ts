import type { ExecContext } from '../command.js';
import { RedisError, SYNTAX } from '../errors.js';
import { globMatch } from '../glob.js';
import { integerArg, isKeyword } from './support.js';

/**
 * Cursors for SCAN and its collection variants. Values sit in dense arrays where a deletion
 * moves the last element into the hole, so a scan walks positions from the top down: an element
 * present for the whole scan is never skipped (a moved one may come back twice, which SCAN
 * allows). The cursor is the position to continue below, 0 when done; a client's cursor 0
 * starts at the top.
 */
export interface ScanOptions {
  count: number;
  pattern: string | null;
  type: string | null;
}

/** Redis parses cursors with strtoul: digits, an optional sign, no spaces. */
export function parseCursor(text: string): number {
  if (!/^[+-]?\d*$/.test(text) || text === '+' || text === '-') throw new RedisError('invalid cursor');
  if (text.startsWith('-')) return Number.MAX_SAFE_INTEGER;
  const value = text.length === 0 ? 0 : Number(text);
  if (value > 18446744073709551615) throw new RedisError('invalid cursor');
  return value;
}

/** Parses `[MATCH pattern] [COUNT n] [TYPE t]` from `from` on; TYPE only for SCAN itself. */
export function parseScanOptions(argv: readonly string[], from: number, allowType: boolean): ScanOptions {
  const options: ScanOptions = { count: 10, pattern: null, type: null };
  for (let i = from; i < argv.length; i += 2) {
    const hasValue = i + 1 < argv.length;
    if (isKeyword(argv[i], 'COUNT') && hasValue) {
      options.count = integerArg(argv[i + 1]);
      if (options.count < 1) throw SYNTAX;
    } else if (isKeyword(argv[i], 'MATCH') && hasValue) {
      const pattern = argv[i + 1];
      options.pattern = pattern === '*' ? null : pattern;
    } else if (isKeyword(argv[i], 'TYPE') && allowType && hasValue) {
      options.type = argv[i + 1];
    } else {
      throw SYNTAX;
    }
  }
  return options;
}

/**
 * Positions to visit for one call: walks down from the cursor over at most `count` positions.
 * Returns the positions and the cursor for the next call.
 */
export function scanPositions(cursor: number, count: number, size: number): { positions: number[]; next: number } {
  let position = cursor === 0 || cursor > size ? size : cursor;
  const positions: number[] = [];
  while (position > 0 && positions.length < count) {
    position--;
    positions.push(position);
  }
  return { positions, next: position };
}

export function matches(pattern: string | null, text: string): boolean {
  return pattern === null || globMatch(pattern, text);
}

/** A SCAN-family reply: the next cursor, then the elements found. */
export function replyScan(ctx: ExecContext, cursor: number, elements: readonly string[]): void {
  ctx.reply.array(2);
  ctx.reply.bulk(String(cursor));
  ctx.reply.bulkArray(elements);
}
