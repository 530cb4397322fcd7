import { createHash } from 'node:crypto';
import { formatDouble } from '@understudy/protocol';
import type { Database } from './database.js';
import type { Keyspace } from './keyspace.js';
import { HashValue } from './values/hash-value.js';
import { ListValue } from './values/list-value.js';
import { SetValue } from './values/set-value.js';
import { objectType, type RedisValue } from './values/value.js';

/**
 * DEBUG DIGEST and DEBUG DIGEST-VALUE, bit for bit as redis-server 7.0 computes them, so that
 * two servers (ours or Redis) holding the same data report the same 40 hex digits.
 *
 * Two SHA1-based combining steps build everything:
 * - "xor in" data: digest ^= SHA1(data). Order does not matter, so it is used for members of
 *   sets and for whole keys.
 * - "mix in" data: xor it in, then replace the digest by SHA1(digest). Order matters, so it is
 *   used for sequences (list elements, a field then its value).
 *
 * A value's digest continues from a starting digest (20 zero bytes for DIGEST-VALUE, the key
 * mixed into zeros for DIGEST): mix in its type number (4 bytes, big-endian), then its content (a string's bytes; each list element in order; for sets, each member xored
 * in; for hashes and sorted sets, each entry as its own digest - field then value, or member
 * then score printed with %.17g - xored in as SHA1 of that entry digest), and finally, if the
 * key has an expiry, xor in the text "!!expire!!" (the time itself does not count).
 *
 * The dataset digest starts from zeros; for every non-empty database it mixes in the database
 * number (4 bytes, big-endian), then for every key xors in SHA1 of that key's digest: the key
 * mixed into zeros, continued with its value as above. Logically expired keys that are still
 * stored count, as in Redis.
 */
type Digest = Buffer;

const EXPIRE_MARK = Buffer.from('!!expire!!', 'latin1');

function sha1(data: Buffer): Buffer {
  return createHash('sha1').update(data).digest();
}

function xorIn(digest: Digest, data: Buffer): void {
  const hash = sha1(data);
  for (let i = 0; i < 20; i++) digest[i] ^= hash[i];
}

function mixIn(digest: Digest, data: Buffer): void {
  xorIn(digest, data);
  sha1(digest).copy(digest);
}

function bytes(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

function uint32(value: number): Buffer {
  const buf = Buffer.alloc(4);
  buf.writeUInt32BE(value);
  return buf;
}

/** Digest of one value, as DEBUG DIGEST-VALUE reports it. */
export function valueDigest(value: RedisValue, hasExpire: boolean): string {
  const digest = Buffer.alloc(20);
  digestValue(digest, value, hasExpire);
  return digest.toString('hex');
}

function digestValue(digest: Digest, value: RedisValue, hasExpire: boolean): void {
  mixIn(digest, uint32(objectType(value)));
  if (typeof value === 'string') {
    mixIn(digest, bytes(value));
  } else if (value instanceof ListValue) {
    for (let i = 0; i < value.length; i++) mixIn(digest, bytes(value.at(i)));
  } else if (value instanceof SetValue) {
    for (let i = 0; i < value.size; i++) xorIn(digest, bytes(value.memberAt(i)));
  } else if (value instanceof HashValue) {
    for (let i = 0; i < value.size; i++) {
      const entry = Buffer.alloc(20);
      mixIn(entry, bytes(value.fieldAt(i)));
      mixIn(entry, bytes(value.valueAt(i)));
      xorIn(digest, entry);
    }
  } else if (value.size > 0) {
    value.order.visit(0, value.size - 1, (score, member) => {
      const entry = Buffer.alloc(20);
      mixIn(entry, bytes(member));
      mixIn(entry, bytes(formatDouble(score)));
      xorIn(digest, entry);
    });
  }
  if (hasExpire) xorIn(digest, EXPIRE_MARK);
}

function databaseDigest(db: Database, into: Digest): void {
  for (let slot = 0; slot < db.size; slot++) {
    const keyDigest = Buffer.alloc(20);
    mixIn(keyDigest, bytes(db.key(slot)));
    digestValue(keyDigest, db.value(slot), db.hasExpire(slot));
    xorIn(into, keyDigest);
  }
}

/** The DEBUG DIGEST of the whole dataset as 40 hex digits (all zeros when empty). */
export function datasetDigest(keyspace: Keyspace): string {
  const digest = Buffer.alloc(20);
  keyspace.databases.forEach((db, index) => {
    if (db.size === 0) return;
    mixIn(digest, uint32(index));
    databaseDigest(db, digest);
  });
  return digest.toString('hex');
}
