import {
  type CommandDefinition,
  datasetDigest,
  encodingName,
  ListValue,
  parseDouble,
  parseInteger,
  RedisError,
  replyHelp,
  valueDigest,
} from '@understudy/engine';
import { serializedLength } from '@understudy/rdb';
import type { Client } from '../client.js';
import { SAVE_FAILED } from './persistence.js';

/** Blocks the whole process, as DEBUG SLEEP blocks redis-server. */
function sleepSynchronously(ms: number): void {
  if (ms <= 0) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function digestValue(client: Client, argv: string[]): void {
  const db = client.db;
  client.reply.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const slot = db.peek(argv[i]);
    client.reply.simple(slot < 0 ? '0'.repeat(40) : valueDigest(db.value(slot), db.hasExpire(slot)));
  }
}

/** DEBUG OBJECT: the fields that describe this server truthfully. */
function object(client: Client, key: string): void {
  const db = client.db;
  const slot = db.peek(key);
  if (slot < 0) throw new RedisError('no such key');
  const value = db.value(slot);
  const length = serializedLength(value, client.server.config.get('rdbcompression'));
  let line = `Value at:db${client.dbIndex}/slot${slot} refcount:1 encoding:${encodingName(value)} serializedlength:${length} lru:${client.keyspace.lruClock & 0xffffff} lru_seconds_idle:${db.idleSeconds(slot)}`;
  if (value instanceof ListValue) line += ` ql_nodes:1 ql_listpack_max:-2 ql_compressed:0 length:${value.length}`;
  client.reply.simple(line);
}

const DEBUG_HELP = [
  'DIGEST',
  '    Output a hex signature representing the current DB content.',
  'DIGEST-VALUE <key> [<key> ...]',
  '    Output a hex signature of the values of all the specified keys.',
  'OBJECT <key>',
  '    Show low level info about the <key> and associated value.',
  'RELOAD [option ...]',
  '    Save the RDB on disk and reload it back to memory. Options:',
  '    * MERGE: Merge the content of the RDB instead of flushing the dataset first.',
  '    * NOFLUSH: Do not empty the dataset before loading.',
  '    * NOSAVE: Do not save the dataset before loading; load the file on disk.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background when they are not accessed.',
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
];

/** DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: blocks the server while it saves and loads, as in Redis. */
function reload(client: Client, argv: string[]): void {
  const options = { save: true, flush: true, merge: false };
  for (let i = 2; i < argv.length; i++) {
    const option = argv[i].toUpperCase();
    if (option === 'MERGE') options.merge = true;
    else if (option === 'NOFLUSH') options.flush = false;
    else if (option === 'NOSAVE') options.save = false;
    else throw new RedisError('DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
  }
  const outcome = client.server.persistence.reload(options);
  if (outcome === 'save-failed') throw SAVE_FAILED;
  if (outcome === 'load-failed') throw new RedisError('Error trying to load the RDB dump');
  client.reply.ok();
}

function debug(client: Client, argv: string[]): void {
  const sub = argv[1].toUpperCase();
  if (sub === 'HELP' && argv.length === 2) {
    replyHelp(client, 'DEBUG', DEBUG_HELP);
  } else if (sub === 'DIGEST' && argv.length === 2) {
    client.reply.simple(datasetDigest(client.keyspace));
  } else if (sub === 'DIGEST-VALUE' && argv.length >= 2) {
    digestValue(client, argv);
  } else if (sub === 'OBJECT' && argv.length === 3) {
    object(client, argv[2]);
  } else if (sub === 'SLEEP' && argv.length === 3) {
    const seconds = parseDouble(argv[2]);
    sleepSynchronously(Number.isNaN(seconds) ? 0 : seconds * 1000);
    client.reply.ok();
  } else if (sub === 'RELOAD') {
    reload(client, argv);
  } else if (sub === 'SET-ACTIVE-EXPIRE' && argv.length === 3) {
    const enabled = parseInteger(argv[2]);
    client.keyspace.activeExpireEnabled = enabled !== 0 && !Number.isNaN(enabled);
    client.reply.ok();
  } else {
    throw new RedisError(`unknown subcommand or wrong number of arguments for '${argv[1]}'. Try DEBUG HELP.`);
  }
}

export const debugCommands: CommandDefinition<Client>[] = [
  { name: 'debug', arity: -2, flags: 'admin noscript loading stale protected', acl: 'admin slow dangerous', run: debug },
];
