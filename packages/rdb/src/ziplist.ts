/**
 * Ziplist and zipmap, the compact encodings of RDB version 9 and earlier. Redis 7.0 reads
 * them (converting to listpacks) but never writes them; decoding validates them as strictly
 * as Redis's converter does. The encoders exist to build test files.
 */
export class ZiplistError extends Error {}

const ZIPLIST_HEADER = 10;
const END = 0xff;

/** Decodes a ziplist: header sizes, the prevlen chain, the tail offset and the count. */
export function decodeZiplist(blob: Uint8Array): string[] {
  if (blob.length < ZIPLIST_HEADER + 1) throw new ZiplistError('ziplist too small');
  const view = Buffer.from(blob.buffer, blob.byteOffset, blob.length);
  if (view.readUInt32LE(0) !== blob.length) throw new ZiplistError('ziplist size mismatch');
  if (blob[blob.length - 1] !== END) throw new ZiplistError('ziplist without terminator');
  const tail = view.readUInt32LE(4);
  const declared = view.readUInt16LE(8);
  const entries: string[] = [];
  let at = ZIPLIST_HEADER;
  let previousSize = 0;
  let lastStart = ZIPLIST_HEADER;
  while (blob[at] !== END) {
    const start = at;
    let prevlen = blob[at++];
    if (prevlen === 0xfe) {
      check(blob, at + 4);
      prevlen = view.readUInt32LE(at);
      at += 4;
    }
    if (prevlen !== previousSize) throw new ZiplistError('ziplist prevlen mismatch');
    check(blob, at + 1);
    const encoding = blob[at];
    let text: string;
    if (encoding >> 6 === 0) {
      const length = encoding & 0x3f;
      at += 1;
      check(blob, at + length);
      text = view.toString('latin1', at, at + length);
      at += length;
    } else if (encoding >> 6 === 1) {
      check(blob, at + 2);
      const length = ((encoding & 0x3f) << 8) | blob[at + 1];
      at += 2;
      check(blob, at + length);
      text = view.toString('latin1', at, at + length);
      at += length;
    } else if (encoding === 0x80) {
      check(blob, at + 5);
      const length = view.readUInt32BE(at + 1);
      at += 5;
      check(blob, at + length);
      text = view.toString('latin1', at, at + length);
      at += length;
    } else if (encoding === 0xc0) {
      check(blob, at + 3);
      text = String(view.readInt16LE(at + 1));
      at += 3;
    } else if (encoding === 0xd0) {
      check(blob, at + 5);
      text = String(view.readInt32LE(at + 1));
      at += 5;
    } else if (encoding === 0xe0) {
      check(blob, at + 9);
      text = view.readBigInt64LE(at + 1).toString();
      at += 9;
    } else if (encoding === 0xf0) {
      check(blob, at + 4);
      text = String(view.readIntLE(at + 1, 3));
      at += 4;
    } else if (encoding === 0xfe) {
      check(blob, at + 2);
      text = String(view.readInt8(at + 1));
      at += 2;
    } else if (encoding >= 0xf1 && encoding <= 0xfd) {
      text = String((encoding & 0x0f) - 1);
      at += 1;
    } else {
      throw new ZiplistError(`invalid ziplist entry encoding 0x${encoding.toString(16)}`);
    }
    entries.push(text);
    previousSize = at - start;
    lastStart = start;
    check(blob, at + 1);
  }
  if (at !== blob.length - 1) throw new ZiplistError('ziplist entries overrun the terminator');
  if (tail !== (entries.length === 0 ? ZIPLIST_HEADER : lastStart)) throw new ZiplistError('ziplist tail offset mismatch');
  if (declared !== 65535 && declared !== entries.length) throw new ZiplistError('ziplist element count mismatch');
  return entries;
}

function check(blob: Uint8Array, end: number): void {
  if (end > blob.length) throw new ZiplistError('ziplist entry overruns the blob');
}

/** Encodes strings as a ziplist (integers that fit int16/int32/int64 as integers). */
export function encodeZiplist(entries: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  let previousSize = 0;
  let offset = ZIPLIST_HEADER;
  let lastStart = ZIPLIST_HEADER;
  for (const entry of entries) {
    const prevlen = previousSize < 254 ? Buffer.from([previousSize]) : Buffer.concat([Buffer.from([0xfe]), uint32LE(previousSize)]);
    const body = ziplistBody(entry);
    const whole = Buffer.concat([prevlen, body]);
    lastStart = offset;
    offset += whole.length;
    previousSize = whole.length;
    parts.push(whole);
  }
  const total = offset + 1;
  const header = Buffer.alloc(ZIPLIST_HEADER);
  header.writeUInt32LE(total, 0);
  header.writeUInt32LE(entries.length === 0 ? ZIPLIST_HEADER : lastStart, 4);
  header.writeUInt16LE(Math.min(entries.length, 65535), 8);
  return Buffer.concat([header, ...parts, Buffer.from([END])]);
}

function ziplistBody(entry: string): Buffer {
  if (/^(0|-?[1-9]\d{0,18})$/.test(entry)) {
    const value = BigInt(entry);
    if (value >= 0n && value <= 12n) return Buffer.from([0xf1 + Number(value)]);
    if (value >= -128n && value <= 127n) return Buffer.from([0xfe, Number(value) & 0xff]);
    if (value >= -32768n && value <= 32767n) {
      const out = Buffer.alloc(3);
      out[0] = 0xc0;
      out.writeInt16LE(Number(value), 1);
      return out;
    }
    if (value >= -2147483648n && value <= 2147483647n) {
      const out = Buffer.alloc(5);
      out[0] = 0xd0;
      out.writeInt32LE(Number(value), 1);
      return out;
    }
    if (value >= -9223372036854775808n && value <= 9223372036854775807n) {
      const out = Buffer.alloc(9);
      out[0] = 0xe0;
      out.writeBigInt64LE(value, 1);
      return out;
    }
  }
  const bytes = Buffer.from(entry, 'latin1');
  if (bytes.length <= 63) return Buffer.concat([Buffer.from([bytes.length]), bytes]);
  if (bytes.length <= 16383) return Buffer.concat([Buffer.from([0x40 | (bytes.length >> 8), bytes.length & 0xff]), bytes]);
  const header = Buffer.alloc(5);
  header[0] = 0x80;
  header.writeUInt32BE(bytes.length, 1);
  return Buffer.concat([header, bytes]);
}

function uint32LE(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value);
  return out;
}

/** Decodes a zipmap (Redis 2.4 hashes) into alternating fields and values. */
export function decodeZipmap(blob: Uint8Array): string[] {
  const view = Buffer.from(blob.buffer, blob.byteOffset, blob.length);
  const entries: string[] = [];
  let at = 1;
  const length = (): number => {
    check(blob, at + 1);
    const first = blob[at++];
    if (first < 254) return first;
    if (first === 254) {
      check(blob, at + 4);
      const value = view.readUInt32LE(at);
      at += 4;
      return value;
    }
    throw new ZiplistError('invalid zipmap length');
  };
  for (;;) {
    check(blob, at + 1);
    if (blob[at] === END) break;
    const fieldLength = length();
    check(blob, at + fieldLength);
    entries.push(view.toString('latin1', at, at + fieldLength));
    at += fieldLength;
    const valueLength = length();
    check(blob, at + 1);
    const free = blob[at++];
    check(blob, at + valueLength + free);
    entries.push(view.toString('latin1', at, at + valueLength));
    at += valueLength + free;
  }
  if (at !== blob.length - 1) throw new ZiplistError('zipmap entries overrun the terminator');
  return entries;
}

/** Encodes field/value pairs as a zipmap (for test files). */
export function encodeZipmap(pairs: readonly [string, string][]): Buffer {
  const parts: Buffer[] = [Buffer.from([Math.min(pairs.length, 254)])];
  const length = (n: number): Buffer => (n < 254 ? Buffer.from([n]) : Buffer.concat([Buffer.from([254]), uint32LE(n)]));
  for (const [field, value] of pairs) {
    parts.push(length(field.length), Buffer.from(field, 'latin1'), length(value.length), Buffer.from([0]), Buffer.from(value, 'latin1'));
  }
  parts.push(Buffer.from([END]));
  return Buffer.concat(parts);
}
