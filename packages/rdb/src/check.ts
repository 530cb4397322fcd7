import { createReadStream } from 'node:fs';
import type { EngineLimits } from '@understudy/engine';
import { TYPE_NAMES } from './format.js';
import { RdbError } from './rdb-error.js';
import { RdbParser } from './reader.js';

export interface CheckReport {
  version: number;
  aux: [string, string][];
  databases: number[];
  keys: number;
  expires: number;
  alreadyExpired: number;
  /** Keys per value type (string, list, set, zset, hash). */
  keysByType: Map<string, number>;
  /** RDB encodings met and how often (hash-listpack, set-intset, quicklist-v2...). */
  encodings: Map<string, number>;
  bytes: number;
  /** The first problem, with its offset; null when the file is valid. */
  error: RdbError | null;
}

const VALUE_TYPES: Readonly<Record<number, string>> = {
  0: 'string', 1: 'list', 10: 'list', 14: 'list', 18: 'list',
  2: 'set', 11: 'set',
  3: 'zset', 5: 'zset', 12: 'zset', 17: 'zset',
  4: 'hash', 9: 'hash', 13: 'hash', 16: 'hash',
  15: 'stream', 19: 'stream',
};

/** The generous thresholds a checker uses: it keeps any encoding the file has. */
const CHECK_LIMITS: EngineLimits = {
  hashMaxListpackEntries: 128,
  hashMaxListpackValue: 64,
  setMaxIntsetEntries: 512,
  zsetMaxListpackEntries: 128,
  zsetMaxListpackValue: 64,
  maxStringLength: Number.MAX_SAFE_INTEGER,
};

/** Reads a whole RDB file and reports its content, or the first error and where it is. */
export async function checkFile(path: string, now = Date.now()): Promise<CheckReport> {
  const report: CheckReport = {
    version: 0, aux: [], databases: [], keys: 0, expires: 0, alreadyExpired: 0,
    keysByType: new Map(), encodings: new Map(), bytes: 0, error: null,
  };
  const parser = new RdbParser(
    {
      aux: (key, value) => report.aux.push([key, value]),
      selectDb: (db) => {
        if (!report.databases.includes(db)) report.databases.push(db);
      },
      record: (record) => {
        report.keys++;
        if (record.expireAt >= 0) {
          report.expires++;
          if (record.expireAt < now) report.alreadyExpired++;
        }
        const type = VALUE_TYPES[record.type] ?? 'unknown';
        report.keysByType.set(type, (report.keysByType.get(type) ?? 0) + 1);
        const encoding = TYPE_NAMES[record.type] ?? String(record.type);
        report.encodings.set(encoding, (report.encodings.get(encoding) ?? 0) + 1);
      },
    },
    { limits: CHECK_LIMITS, verifyChecksum: true },
  );
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
      report.bytes += (chunk as Buffer).length;
      parser.push(chunk as Buffer);
    }
    parser.end();
  } catch (error) {
    if (!(error instanceof RdbError)) throw error;
    report.error = error;
  }
  report.version = parser.version;
  return report;
}
