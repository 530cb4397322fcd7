import { type CommandDefinition, RedisError, SYNTAX } from '@understudy/engine';
import type { Client } from '../client.js';

const IN_PROGRESS = new RedisError('Background save already in progress');
/** A failed save answers a bare -ERR, as redis-server does; the log says why. */
export const SAVE_FAILED = new RedisError('', 'ERR');

function save(client: Client): void {
  const persistence = client.server.persistence;
  if (persistence.bgsaveInProgress) throw IN_PROGRESS;
  persistence.saves++;
  if (!persistence.saveNow()) throw SAVE_FAILED;
  client.reply.ok();
}

/**
 * BGSAVE [SCHEDULE]. Inside a transaction the save is scheduled, as in Redis, and starts as
 * soon as the transaction has run, so it never captures half of one.
 */
function bgsave(client: Client, argv: string[]): void {
  if (argv.length > 2 || (argv.length === 2 && argv[1].toLowerCase() !== 'schedule')) throw SYNTAX;
  const persistence = client.server.persistence;
  if (persistence.bgsaveInProgress) throw IN_PROGRESS;
  if (client.inTransaction) {
    persistence.scheduled = true;
    client.reply.simple('Background saving scheduled');
    return;
  }
  persistence.startBgsave();
  client.reply.simple('Background saving started');
}

function lastsave(client: Client): void {
  client.reply.integer(client.server.persistence.lastSave);
}

export const persistenceCommands: CommandDefinition<Client>[] = [
  { name: 'save', arity: 1, flags: 'admin noscript no_async_loading no_multi', acl: 'admin slow dangerous', run: save },
  { name: 'bgsave', arity: -1, flags: 'admin noscript no_async_loading', acl: 'admin slow dangerous', run: bgsave },
  { name: 'lastsave', arity: 1, flags: 'loading stale fast', acl: 'admin fast dangerous', run: lastsave },
];
