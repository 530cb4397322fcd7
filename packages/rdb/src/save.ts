import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Keyspace } from '@understudy/engine';
import { Crc64 } from './crc64.js';
import { removeQuietly } from './files.js';
import { Opcode, writeFileHeader } from './format.js';
import { writeRecord, writeStoredRecord } from './record-encoder.js';
import { syncDirectory, temporaryPath } from './sinks.js';
import { ChunkPool, RdbWriter } from './writer.js';

export interface SaveOptions {
  compression: boolean;
  checksum: boolean;
  aux: readonly (readonly [string, string])[];
}

export interface SaveResult {
  keys: number;
  bytes: number;
}

/**
 * SAVE: writes the whole dataset synchronously, blocking the process as redis-server's SAVE
 * blocks it. The file is written under a temporary name, fsynced, renamed over `path`, and
 * the directory fsynced. On failure the temporary file is removed and `path` is untouched.
 */
export function saveSync(keyspace: Keyspace, path: string, options: SaveOptions): SaveResult {
  const temporary = temporaryPath(path, 'save');
  const fd = openSync(temporary, 'w', 0o644);
  const writer = new RdbWriter(options.compression, new ChunkPool());
  const crc = new Crc64();
  let bytes = 0;
  const flush = (all: boolean): void => {
    for (const chunk of all ? writer.take() : writer.takeFull()) {
      crc.update(chunk);
      writeAll(fd, chunk);
      bytes += chunk.length;
      writer.pool.release(chunk);
    }
  };
  let keys = 0;
  try {
    writeFileHeader(writer, options.aux);
    keyspace.databases.forEach((db, index) => {
      if (db.size === 0) return;
      writer.byte(Opcode.selectDb);
      writer.length(index);
      writer.byte(Opcode.resizeDb);
      writer.length(db.size);
      writer.length(db.volatileCount);
      for (let slot = 0; slot < db.size; slot++) {
        const stored = db.storedBytes(slot);
        if (stored !== null) writeStoredRecord(writer, db.key(slot), db.packedFormat(slot), stored, db.expireAt(slot));
        else writeRecord(writer, db.key(slot), db.value(slot), db.expireAt(slot));
        keys++;
        flush(false);
      }
    });
    writer.byte(Opcode.eof);
    flush(true);
    const trailer = options.checksum ? crc.digest() : Buffer.alloc(8);
    writeAll(fd, trailer);
    bytes += trailer.length;
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    removeQuietly(temporary);
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(temporary, path);
  } catch (error) {
    removeQuietly(temporary);
    throw error;
  }
  syncDirectory(dirname(path));
  return { keys, bytes };
}

function writeAll(fd: number, chunk: Buffer): void {
  let written = 0;
  while (written < chunk.length) written += writeSync(fd, chunk, written, chunk.length - written);
}
