import { parseInteger } from '@understudy/engine';

/**
 * Intset, Redis's sorted integer set blob: element width (2, 4 or 8 bytes), count, then the
 * integers ascending, all little-endian.
 */
export class IntsetError extends Error {}

/** Encodes canonical integer strings, already in ascending numeric order. */
export function encodeIntset(members: readonly string[]): Buffer {
  let width = 2;
  for (const member of members) {
    const value = parseInteger(member);
    if (!(value >= -2147483648 && value <= 2147483647)) {
      width = 8;
      break;
    }
    if (value < -32768 || value > 32767) width = 4;
  }
  const out = Buffer.allocUnsafe(8 + members.length * width);
  out.writeUInt32LE(width, 0);
  out.writeUInt32LE(members.length, 4);
  for (let i = 0, at = 8; i < members.length; i++, at += width) {
    // Only 64-bit members need BigInt: a double cannot hold all of them exactly.
    if (width === 2) out.writeInt16LE(Number(members[i]), at);
    else if (width === 4) out.writeInt32LE(Number(members[i]), at);
    else out.writeBigInt64LE(BigInt(members[i]), at);
  }
  return out;
}

/** Decodes and validates an intset: known width, exact size, at least one strictly ascending member. */
export function decodeIntset(blob: Buffer): string[] {
  if (blob.length < 8) throw new IntsetError('intset too small');
  const view = Buffer.from(blob.buffer, blob.byteOffset, blob.length);
  const width = view.readUInt32LE(0);
  if (width !== 2 && width !== 4 && width !== 8) throw new IntsetError(`invalid intset encoding ${width}`);
  const count = view.readUInt32LE(4);
  if (count === 0 || blob.length !== 8 + count * width) throw new IntsetError('intset size mismatch');
  const members = new Array<string>(count);
  if (width === 8) {
    let previous: bigint | null = null;
    for (let i = 0; i < count; i++) {
      const value = view.readBigInt64LE(8 + i * 8);
      if (previous !== null && value <= previous) throw new IntsetError('intset not strictly ascending');
      previous = value;
      members[i] = value.toString();
    }
    return members;
  }
  let previous = -Infinity;
  for (let i = 0; i < count; i++) {
    const at = 8 + i * width;
    const value = width === 2 ? view.readInt16LE(at) : view.readInt32LE(at);
    if (value <= previous) throw new IntsetError('intset not strictly ascending');
    previous = value;
    members[i] = String(value);
  }
  return members;
}
