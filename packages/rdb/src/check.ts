import { type FileHandle, open } from 'node:fs/promises';
import { type EngineLimits, typeName } from '@understudy/engine';
import { TYPE_NAMES } from './format.js';
import { RdbError } from './rdb-error.js';
import { RdbParser } from './reader.js';

/** What a file holds, or where it first goes wrong: the report of `understudy check-rdb`. */
export interface CheckReport {
  path: string;
  version: number;
  /** Header and database events in file order, with their offsets. */
  events: { offset: number; text: string }[];
  keys: number;
  expires: number;
  alreadyExpired: number;
  emptyKeysSkipped: number;
  /** Keys per value type (string, list, set, zset, hash). */
  keysByType: Map<string, number>;
  /** RDB encodings met and how often (hash-listpack, set-intset, quicklist-v2...). */
  encodings: Map<string, number>;
  bytes: number;
  /** The first problem, with its offset; null when the file is valid. */
  error: RdbError | null;
  /** The trailer: verified, or zeros because the file was saved with rdbchecksum no. */
  checksum: RdbParser['checksum'];
  /** The file could not be read at all. */
  ioError: string | null;
}

/** Thresholds for decoding only: the checker never re-encodes, so Redis's defaults do. */
const CHECK_LIMITS: EngineLimits = {
  hashMaxListpackEntries: 128,
  hashMaxListpackValue: 64,
  setMaxIntsetEntries: 512,
  zsetMaxListpackEntries: 128,
  zsetMaxListpackValue: 64,
  maxStringLength: Number.MAX_SAFE_INTEGER,
};

const CHUNK_BYTES = 256 * 1024;

function count(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/**
 * Reads a whole RDB file as a loader would (every encoding decoded and validated, the
 * checksum verified) and reports its content, or the first error and its offset.
 */
export async function checkFile(path: string, now = Date.now()): Promise<CheckReport> {
  const report: CheckReport = {
    path, version: 0, events: [], keys: 0, expires: 0, alreadyExpired: 0, emptyKeysSkipped: 0,
    keysByType: new Map(), encodings: new Map(), bytes: 0, error: null, checksum: null, ioError: null,
  };
  const parser = new RdbParser(
    {
      aux: (key, value, offset) => report.events.push({ offset, text: `AUX FIELD ${key} = '${value}'` }),
      selectDb: (db, offset) => report.events.push({ offset, text: `Selecting DB ID ${db}` }),
      record: (record) => {
        report.keys++;
        if (record.expireAt >= 0) {
          report.expires++;
          if (record.expireAt < now) report.alreadyExpired++;
        }
        count(report.keysByType, typeName(record.value));
        count(report.encodings, TYPE_NAMES[record.type] ?? String(record.type));
      },
      emptyKey: () => {
        report.emptyKeysSkipped++;
      },
    },
    { limits: CHECK_LIMITS, verifyChecksum: true },
  );
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (error) {
    report.ioError = (error as Error).message;
    return report;
  }
  try {
    for (;;) {
      const space = parser.space(CHUNK_BYTES);
      const { bytesRead } = await file.read(space, 0, Math.min(CHUNK_BYTES, space.length));
      if (bytesRead === 0) break;
      report.bytes += bytesRead;
      parser.commit(bytesRead);
    }
    parser.end();
  } catch (error) {
    if (!(error instanceof RdbError)) throw error;
    report.error = error;
  } finally {
    await file.close();
  }
  report.version = parser.version;
  report.checksum = parser.checksum;
  return report;
}

/** The report as text, in the spirit of redis-check-rdb's output, plus what the file holds. */
export function formatCheckReport(report: CheckReport): string {
  const lines = [`[offset 0] Checking RDB file ${report.path}`];
  if (report.ioError !== null) {
    lines.push(`--- RDB ERROR DETECTED ---`, `[offset 0] Cannot read the file: ${report.ioError}`);
    return `${lines.join('\n')}\n`;
  }
  if (report.version > 0) lines.push(`[offset 9] RDB version ${report.version}`);
  for (const event of report.events) lines.push(`[offset ${event.offset}] ${event.text}`);
  const error = report.error;
  if (error === null) {
    const checksum =
      report.checksum === 'disabled'
        ? 'RDB file was saved with checksum disabled: no check performed.'
        : report.checksum === null
          ? `RDB version ${report.version} files carry no checksum`
          : 'Checksum OK';
    lines.push(`[offset ${report.bytes}] ${checksum}`, `[offset ${report.bytes}] \\o/ RDB looks OK! \\o/`);
  } else {
    lines.push('--- RDB ERROR DETECTED ---', `[offset ${error.offset}] ${error.reason}`);
    if (error.key !== null) lines.push(`[additional info] Reading key '${printable(error.key)}'`);
    if (error.type !== null) lines.push(`[additional info] Reading type ${error.type} (${TYPE_NAMES[error.type] ?? 'unknown'})`);
  }
  lines.push(`[info] ${report.keys} keys read`, `[info] ${report.expires} expires`, `[info] ${report.alreadyExpired} already expired`);
  if (report.emptyKeysSkipped > 0) lines.push(`[info] ${report.emptyKeysSkipped} empty keys skipped`);
  lines.push(`[info] keys by type: ${listing(report.keysByType)}`, `[info] encodings: ${listing(report.encodings)}`);
  return `${lines.join('\n')}\n`;
}

function listing(map: Map<string, number>): string {
  if (map.size === 0) return 'none';
  return [...map].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, n]) => `${name} ${n}`).join(', ');
}

/** Keys are bytes; show control and high bytes escaped, as redis-cli would. */
function printable(key: string): string {
  let out = '';
  for (let i = 0; i < Math.min(key.length, 128); i++) {
    const code = key.charCodeAt(i);
    out += code < 0x20 || code > 0x7e || code === 0x27 || code === 0x5c ? `\\x${code.toString(16).padStart(2, '0')}` : key[i];
  }
  return key.length > 128 ? `${out}...` : out;
}
