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

/** Special string encodings (length byte 0b11xxxxxx). */
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
