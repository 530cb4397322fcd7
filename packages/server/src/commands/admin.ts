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

/** SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT] */
function shutdown(client: Client, argv: string[]): void {
  let save = false;
  let nosave = false;
  let abort = false;
  let force = false;
  for (let i = 1; i < argv.length; i++) {
    const option = argv[i].toUpperCase();
    if (option === 'NOSAVE') nosave = true;
    else if (option === 'SAVE') save = true;
    else if (option === 'NOW') continue;
    else if (option === 'FORCE') force = true;
    else if (option === 'ABORT') abort = true;
    else throw SYNTAX;
  }
  if ((save && nosave) || (abort && argv.length !== 2)) throw SYNTAX;
  if (abort) throw new RedisError('No shutdown in progress.');
  if (!client.server.shutdown({ save, nosave, force })) throw new RedisError('Errors trying to SHUTDOWN. Check logs.');
}

export const adminCommands: CommandDefinition<Client>[] = [
  { name: 'info', arity: -1, flags: 'loading stale', acl: 'slow dangerous', run: info },
  { name: 'time', arity: 1, flags: 'loading stale fast', acl: 'fast', run: time },
  { name: 'monitor', arity: 1, flags: 'admin noscript loading stale', acl: 'admin slow dangerous', run: monitor },
  { name: 'shutdown', arity: -1, flags: 'admin noscript loading stale no_multi allow_busy', acl: 'admin slow dangerous', run: shutdown },
];
