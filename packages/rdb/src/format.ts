import type { RdbWriter } from './writer.js';

/** RDB version 10 constants (Redis 7.0): opcodes and object type bytes. */
export const RDB_VERSION = 10;
export const MAGIC = 'REDIS';

export const Opcode = {
  function2: 0xf5,
  functionOld: 0xf6,
  moduleAux: 0xf7,
  idle: 0xf8,
  freq: 0xf9,
  aux: 0xfa,
  resizeDb: 0xfb,
  expireTimeMs: 0xfc,
  expireTime: 0xfd,
  selectDb: 0xfe,
  eof: 0xff,
} as const;

export const RdbType = {
  string: 0,
  list: 1,
  set: 2,
  zset: 3,
  hash: 4,
  zset2: 5,
  module: 6,
  module2: 7,
  hashZipmap: 9,
  listZiplist: 10,
  setIntset: 11,
  zsetZiplist: 12,
  hashZiplist: 13,
  listQuicklist: 14,
  streamListpacks: 15,
  hashListpack: 16,
  zsetListpack: 17,
  listQuicklist2: 18,
  streamListpacks2: 19,
} as const;

/** Names redis-check-rdb uses for the types (for reports and errors). */
export const TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'string',
  1: 'list-linked',
  2: 'set-hashtable',
  3: 'zset-v1',
  4: 'hash-hashtable',
  5: 'zset-v2',
  6: 'module-pre-release',
  7: 'module-value',
  9: 'hash-zipmap',
  10: 'list-ziplist',
  11: 'set-intset',
  12: 'zset-ziplist',
  13: 'hash-ziplist',
  14: 'quicklist',
  15: 'stream',
  16: 'hash-listpack',
  17: 'zset-listpack',
  18: 'quicklist-v2',
  19: 'stream-v2',
};

/** A length byte of 0b11xxxxxx introduces a special string encoding, in its low six bits. */
export const SPECIAL_ENCODING = 0xc0;
export const StringEncoding = { int8: 0, int16: 1, int32: 2, lzf: 3 } as const;

/** Quicklist v2 node containers. */
export const QuicklistContainer = { plain: 1, packed: 2 } as const;

/** The start of every file: magic, version, then the AUX fields in the order given. */
export function writeFileHeader(writer: RdbWriter, aux: readonly (readonly [string, string])[], version = RDB_VERSION): void {
  writer.bytes(Buffer.from(`${MAGIC}${String(version).padStart(4, '0')}`, 'latin1'));
  for (const [key, value] of aux) {
    writer.byte(Opcode.aux);
    writer.string(key);
    writer.string(value);
  }
}

/** Bytes the RDB length encoding takes for `value`: 1, 2, 5 or 9. */
export function lengthSize(value: number): number {
  return value < 64 ? 1 : value < 16384 ? 2 : value <= 0xffffffff ? 5 : 9;
}

/** Writes `value` in the RDB length encoding at `at`; returns the position after it. */
export function writeLength(chunk: Uint8Array, at: number, value: number): number {
  if (value < 64) {
    chunk[at] = value;
    return at + 1;
  }
  if (value < 16384) {
    chunk[at] = 0x40 | (value >> 8);
    chunk[at + 1] = value & 0xff;
    return at + 2;
  }
  if (value <= 0xffffffff) {
    chunk[at] = 0x80;
    chunk[at + 1] = value >>> 24;
    chunk[at + 2] = (value >>> 16) & 0xff;
    chunk[at + 3] = (value >>> 8) & 0xff;
    chunk[at + 4] = value & 0xff;
    return at + 5;
  }
  chunk[at] = 0x81;
  const high = Math.floor(value / 2 ** 32);
  const low = value >>> 0;
  for (let i = 0; i < 4; i++) chunk[at + 1 + i] = (high >>> (24 - 8 * i)) & 0xff;
  for (let i = 0; i < 4; i++) chunk[at + 5 + i] = (low >>> (24 - 8 * i)) & 0xff;
  return at + 9;
}
