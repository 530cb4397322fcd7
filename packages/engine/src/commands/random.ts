import { RedisError } from '../errors.js';
import { parseInteger } from '../numbers.js';

/** Random member selection shared by SPOP, SRANDMEMBER, HRANDFIELD and ZRANDMEMBER. */

/** A random position in [0, size). */
export function randomPosition(size: number): number {
  return Math.floor(Math.random() * size);
}

/** The count of HRANDFIELD/SRANDMEMBER/ZRANDMEMBER: any long except LONG_MIN. */
export function randomCountArg(text: string): number {
  const count = parseInteger(text);
  if (Number.isNaN(count)) throw new RedisError('value is not an integer or out of range');
  if (text === '-9223372036854775808') {
    throw new RedisError('value is out of range, value must between -9223372036854775807 and 9223372036854775807');
  }
  return count;
}

/**
 * Positions for a random-members command: a negative count allows repeats; a positive count
 * takes distinct members, all of them in order when it covers the whole collection.
 */
export function randomPicks(size: number, count: number): number[] {
  if (count < 0) {
    const picks = new Array<number>(-count);
    for (let i = 0; i < picks.length; i++) picks[i] = randomPosition(size);
    return picks;
  }
  if (count === 1) return [randomPosition(size)];
  if (count >= size) return Array.from({ length: size }, (_, i) => i);
  if (count * 3 <= size) {
    // Few picks from many: draw until enough distinct positions came up.
    const picked = new Set<number>();
    while (picked.size < count) picked.add(randomPosition(size));
    return [...picked];
  }
  // Many picks: a partial Fisher-Yates shuffle over all positions.
  const positions = Array.from({ length: size }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + randomPosition(size - i);
    [positions[i], positions[j]] = [positions[j], positions[i]];
  }
  return positions.slice(0, count);
}
