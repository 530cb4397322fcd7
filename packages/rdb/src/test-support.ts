import { type EngineLimits, Keyspace } from '@understudy/engine';
import { RdbParser } from './reader.js';

/** The package's tests: Redis's thresholds as redis.conf ships them (128 hash entries). */
export const TEST_LIMITS: EngineLimits = {
  hashMaxListpackEntries: 128,
  hashMaxListpackValue: 64,
  setMaxIntsetEntries: 512,
  zsetMaxListpackEntries: 128,
  zsetMaxListpackValue: 64,
  maxStringLength: 512 * 1024 * 1024,
};

/** A whole file held in memory, parsed into a keyspace with every key kept, expired or not. */
export function parseFile(bytes: Buffer): Keyspace {
  const keyspace = new Keyspace();
  const parser = new RdbParser({ record: (record) => keyspace.db(record.db).add(record.key, record.value, record.expireAt) }, { limits: TEST_LIMITS, verifyChecksum: true });
  parser.push(bytes);
  parser.end();
  return keyspace;
}

/** Every key's database, name and expiry, to compare beside a digest. */
export function expiries(keyspace: Keyspace): string[] {
  const out: string[] = [];
  keyspace.databases.forEach((db, index) => {
    for (let slot = 0; slot < db.size; slot++) out.push(`${index}:${db.key(slot)}:${db.expireAt(slot)}`);
  });
  return out.sort();
}
