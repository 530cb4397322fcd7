import { type CommandDefinition, RedisError } from '@understudy/engine';
import type { Client } from '../client.js';

function multi(client: Client): void {
  if (client.multi !== null) throw new RedisError('MULTI calls can not be nested');
  client.multi = [];
  client.multiFailed = false;
  client.reply.ok();
}

function discardTransaction(client: Client): void {
  client.multi = null;
  client.multiFailed = false;
  client.server.watches.unwatchAll(client);
  client.server.listenerNeeded();
}

/**
 * Runs the queued commands as one execution unit: their effects are committed together (and
 * replicate wrapped in MULTI/EXEC), blocking commands answer at once instead of blocking.
 */
function exec(client: Client): void {
  const queued = client.multi;
  if (queued === null) throw new RedisError('EXEC without MULTI');
  const server = client.server;
  if (server.watches.anyExpiredSinceWatch(client)) client.watchDirty = true;
  if (client.multiFailed || client.watchDirty) {
    const failed = client.multiFailed;
    discardTransaction(client);
    if (failed) throw new RedisError('Transaction discarded because of previous errors.', 'EXECABORT');
    client.reply.nilArray();
    return;
  }
  server.watches.unwatchAll(client);
  server.listenerNeeded();
  client.multi = null;
  client.reply.array(queued.length);
  client.inTransaction = true;
  try {
    for (const { spec, argv } of queued) server.call(client, spec, argv);
  } finally {
    client.inTransaction = false;
  }
  server.persistence.transactionDone();
}

function discard(client: Client): void {
  if (client.multi === null) throw new RedisError('DISCARD without MULTI');
  discardTransaction(client);
  client.reply.ok();
}

function watch(client: Client, argv: string[]): void {
  if (client.multi !== null) throw new RedisError('WATCH inside MULTI is not allowed');
  for (let i = 1; i < argv.length; i++) client.server.watches.watch(client, argv[i]);
  client.server.listenerNeeded();
  client.reply.ok();
}

function unwatch(client: Client): void {
  client.server.watches.unwatchAll(client);
  client.server.listenerNeeded();
  client.reply.ok();
}

export const transactionCommands: CommandDefinition<Client>[] = [
  { name: 'multi', arity: 1, flags: 'noscript loading stale fast allow_busy', acl: 'fast transaction', run: multi },
  { name: 'exec', arity: 1, flags: 'noscript loading stale skip_slowlog', acl: 'slow transaction', run: exec },
  { name: 'discard', arity: 1, flags: 'noscript loading stale fast allow_busy', acl: 'fast transaction', run: discard },
  {
    name: 'watch', arity: -2, flags: 'noscript loading stale fast allow_busy', keys: [1, -1, 1],
    acl: 'fast transaction', run: watch,
  },
  { name: 'unwatch', arity: 1, flags: 'noscript loading stale fast allow_busy', acl: 'fast transaction', run: unwatch },
];
