import { type CommandDefinition, RedisError, SYNTAX } from '@understudy/engine';
import type { Client } from '../client.js';
import { performance } from 'node:perf_hooks';
import { infoText } from '../info.js';

function info(client: Client, argv: string[]): void {
  client.reply.verbatim(infoText(client.server, argv.slice(1)));
}

function time(client: Client): void {
  const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  client.reply.array(2);
  client.reply.bulk(String(Math.floor(micros / 1e6)));
  client.reply.bulk(String(micros % 1e6));
}

function monitor(client: Client): void {
  if (client.monitor) return;
  client.monitor = true;
  client.server.monitors.add(client);
  client.reply.ok();
}

const SHUTDOWN_OPTIONS = new Set(['NOSAVE', 'SAVE', 'NOW', 'FORCE', 'ABORT']);

/**
 * SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]. Options may repeat; ABORT only refuses the
 * others, so SHUTDOWN ABORT ABORT is an abort as in Redis.
 */
function shutdown(client: Client, argv: string[]): void {
  const options = new Set<string>();
  for (let i = 1; i < argv.length; i++) {
    const option = argv[i].toUpperCase();
    if (!SHUTDOWN_OPTIONS.has(option)) throw SYNTAX;
    options.add(option);
  }
  const abort = options.has('ABORT');
  const save = options.has('SAVE');
  const nosave = options.has('NOSAVE');
  if ((save && nosave) || (abort && options.size > 1)) throw SYNTAX;
  if (abort) throw new RedisError('No shutdown in progress.');
  if (!client.server.shutdown({ save, nosave, force: options.has('FORCE') })) throw new RedisError('Errors trying to SHUTDOWN. Check logs.');
}

export const adminCommands: CommandDefinition<Client>[] = [
  { name: 'info', arity: -1, flags: 'loading stale', acl: 'slow dangerous', run: info },
  { name: 'time', arity: 1, flags: 'loading stale fast', acl: 'fast', run: time },
  { name: 'monitor', arity: 1, flags: 'admin noscript loading stale', acl: 'admin slow dangerous', run: monitor },
  { name: 'shutdown', arity: -1, flags: 'admin noscript loading stale no_multi allow_busy', acl: 'admin slow dangerous', run: shutdown },
];
