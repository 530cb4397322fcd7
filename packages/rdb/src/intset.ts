/**
 * Intset, Redis's sorted integer set blob: element width (2, 4 or 8 bytes), count, then the
 * integers ascending, all little-endian.
 */
export class IntsetError extends Error {}

/** Encodes canonical integer strings, already in ascending numeric order. */
export function encodeIntset(members: readonly string[]): Buffer {
  const values = members.map((member) => BigInt(member));
  let width = 2;
  for (const value of values) {
    if (value < -2147483648n || value > 2147483647n) width = 8;
    else if (width < 4 && (value < -32768n || value > 32767n)) width = 4;
  }
  const out = Buffer.allocUnsafe(8 + values.length * width);
  out.writeUInt32LE(width, 0);
  out.writeUInt32LE(values.length, 4);
  values.forEach((value, i) => {
    const at = 8 + i * width;
    if (width === 2) out.writeInt16LE(Number(value), at);
    else if (width === 4) out.writeInt32LE(Number(value), at);
    else out.writeBigInt64LE(value, at);
  });
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
  const members: string[] = [];
  let previous: bigint | null = null;
  for (let i = 0; i < count; i++) {
    const at = 8 + i * width;
    const value = width === 2 ? BigInt(view.readInt16LE(at)) : width === 4 ? BigInt(view.readInt32LE(at)) : view.readBigInt64LE(at);
    if (previous !== null && value <= previous) throw new IntsetError('intset not strictly ascending');
    previous = value;
    members.push(value.toString());
  }
  return members;
}
