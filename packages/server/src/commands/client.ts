import { type CommandDefinition, parseInteger, RedisError, replyHelp, SYNTAX } from '@understudy/engine';
import type { Client } from '../client.js';
import { validateClientName } from './connection.js';

type ClientType = 'normal' | 'master' | 'replica' | 'pubsub';

function clientType(client: Client): ClientType {
  return client.subscriptionCount > 0 ? 'pubsub' : 'normal';
}

function typeArg(name: string): ClientType {
  const lower = name.toLowerCase();
  if (lower === 'normal' || lower === 'master' || lower === 'pubsub') return lower;
  if (lower === 'replica' || lower === 'slave') return 'replica';
  throw new RedisError(`Unknown client type '${name}'`);
}

/** The socket's file descriptor, when Node exposes it. */
function descriptor(client: Client): number {
  const handle = (client.socket as unknown as { _handle?: { fd?: number } })._handle;
  return handle?.fd ?? -1;
}

function flagLetters(client: Client): string {
  let flags = '';
  if (client.monitor) flags += 'O';
  if (client.subscriptionCount > 0) flags += 'P';
  if (client.multi !== null) flags += 'x';
  if (client.blocked !== null || client.paused !== null) flags += 'b';
  if (client.watchDirty) flags += 'd';
  if (client.closeAfterReply) flags += 'c';
  if (client.socket.remoteAddress === undefined) flags += 'U';
  return flags === '' ? 'N' : flags;
}

/** One CLIENT LIST / CLIENT INFO line, with redis-server 7.0's fields in its order. */
export function describeClient(client: Client, now: number): string {
  const multiMem = client.multi === null ? 0 : client.multi.reduce((sum, queued) => sum + queued.argv.reduce((s, arg) => s + arg.length, 0), 0);
  const pending = client.output.pendingBytes;
  const outputMemory = client.socket.writableLength;
  const queryBuffer = client.parser.bufferedBytes;
  const fields = [
    `id=${client.id}`,
    `addr=${client.address}`,
    `laddr=${client.localAddress}`,
    `fd=${descriptor(client)}`,
    `name=${client.name}`,
    `age=${Math.floor((now - client.createdAt) / 1000)}`,
    `idle=${Math.floor((now - client.lastInteraction) / 1000)}`,
    `flags=${flagLetters(client)}`,
    `db=${client.dbIndex}`,
    `sub=${client.channels.size}`,
    `psub=${client.patterns.size}`,
    'ssub=0',
    `multi=${client.multi === null ? -1 : client.multi.length}`,
    `qbuf=${queryBuffer}`,
    'qbuf-free=0',
    'argv-mem=0',
    `multi-mem=${multiMem}`,
    'rbs=16384',
    'rbp=16384',
    `obl=${pending}`,
    'oll=0',
    `omem=${outputMemory}`,
    `tot-mem=${queryBuffer + multiMem + pending + outputMemory}`,
    'events=r',
    `cmd=${client.lastCommand}`,
    'user=default',
    'redir=-1',
    `resp=${client.protocol}`,
  ];
  return fields.join(' ');
}

function list(client: Client, argv: string[]): void {
  const server = client.server;
  const now = Date.now();
  let clients = [...server.clients.values()];
  if (argv.length === 4 && argv[2].toUpperCase() === 'TYPE') {
    const type = typeArg(argv[3]);
    clients = clients.filter((other) => clientType(other) === type);
  } else if (argv.length > 3 && argv[2].toUpperCase() === 'ID') {
    const ids = argv.slice(3).map((text) => {
      const id = parseInteger(text);
      if (Number.isNaN(id)) throw new RedisError('Invalid client ID');
      return id;
    });
    clients = ids.map((id) => server.clients.get(id)).filter((other): other is Client => other !== undefined);
  } else if (argv.length !== 2) {
    throw SYNTAX;
  }
  client.reply.verbatim(clients.map((other) => `${describeClient(other, now)}\n`).join(''));
}

interface KillFilter {
  addr: string | null;
  laddr: string | null;
  id: number;
  type: ClientType | null;
  user: string | null;
  skipMe: boolean;
}

function kill(client: Client, argv: string[]): void {
  const filter: KillFilter = { addr: null, laddr: null, id: 0, type: null, user: null, skipMe: true };
  const legacy = argv.length === 3;
  if (legacy) {
    filter.addr = argv[2];
    filter.skipMe = false;
  } else if (argv.length > 3) {
    for (let i = 2; i < argv.length; i += 2) {
      const option = argv[i].toUpperCase();
      if (i + 1 >= argv.length) throw SYNTAX;
      const value = argv[i + 1];
      if (option === 'ID') {
        const id = parseInteger(value);
        if (!(id >= 1)) throw new RedisError('client-id should be greater than 0');
        filter.id = id;
      } else if (option === 'TYPE') filter.type = typeArg(value);
      else if (option === 'ADDR') filter.addr = value;
      else if (option === 'LADDR') filter.laddr = value;
      else if (option === 'USER') {
        if (value !== 'default') throw new RedisError(`No such user '${value}'`);
        filter.user = value;
      } else if (option === 'SKIPME') {
        const answer = value.toLowerCase();
        if (answer !== 'yes' && answer !== 'no') throw SYNTAX;
        filter.skipMe = answer === 'yes';
      } else throw SYNTAX;
    }
  } else {
    throw SYNTAX;
  }
  const server = client.server;
  let killed = 0;
  let killSelf = false;
  for (const other of [...server.clients.values()]) {
    if (filter.addr !== null && other.address !== filter.addr) continue;
    if (filter.laddr !== null && other.localAddress !== filter.laddr) continue;
    if (filter.type !== null && clientType(other) !== filter.type) continue;
    if (filter.id !== 0 && other.id !== filter.id) continue;
    if (other === client && filter.skipMe) continue;
    if (other === client) killSelf = true;
    else server.closeClient(other);
    killed++;
  }
  if (legacy) {
    if (killed === 0) throw new RedisError('No such client');
    client.reply.ok();
  } else {
    client.reply.integer(killed);
  }
  if (killSelf) client.closeAfterReply = true;
}

function pause(client: Client, argv: string[]): void {
  let writesOnly = false;
  if (argv.length === 4) {
    const mode = argv[3].toUpperCase();
    if (mode === 'WRITE') writesOnly = true;
    else if (mode !== 'ALL') throw new RedisError('CLIENT PAUSE mode must be WRITE or ALL');
  }
  const timeout = parseInteger(argv[2]);
  if (Number.isNaN(timeout)) throw new RedisError('timeout is not an integer or out of range');
  if (timeout < 0) throw new RedisError('timeout is negative');
  const server = client.server;
  const until = Date.now() + timeout;
  if (server.pause !== null) {
    clearTimeout(server.pause.timer);
    // A running pause is only ever extended, and ALL wins over WRITE.
    writesOnly = writesOnly && server.pause.writesOnly;
  }
  const end = Math.max(until, server.pause?.until ?? 0);
  server.pause = { until: end, writesOnly, timer: setTimeout(() => server.unpause(), Math.max(0, end - Date.now())) };
  client.reply.ok();
}

function reply(client: Client, argv: string[]): void {
  const mode = argv[2].toUpperCase();
  if (mode === 'ON') {
    client.setReplyMode('on');
    client.reply.ok();
  } else if (mode === 'OFF') {
    client.setReplyMode('off');
  } else if (mode === 'SKIP') {
    if (client.replyMode !== 'off') client.setReplyMode('skip');
  } else {
    throw SYNTAX;
  }
}

function unblock(client: Client, argv: string[]): void {
  let asError = false;
  if (argv.length === 4) {
    const reason = argv[3].toUpperCase();
    if (reason === 'ERROR') asError = true;
    else if (reason !== 'TIMEOUT') throw new RedisError('CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
  }
  const id = parseInteger(argv[2]);
  if (Number.isNaN(id)) throw new RedisError('value is not an integer or out of range');
  const server = client.server;
  const target = server.clients.get(id);
  if (target === undefined || target.blocked === null) {
    client.reply.integer(0);
    return;
  }
  server.blocking.unblock(target);
  if (asError) target.reply.error('UNBLOCKED client unblocked via CLIENT UNBLOCK');
  else target.reply.nilArray();
  server.resumeClient(target);
  client.reply.integer(1);
}

const CLIENT_HELP = [
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are: ID <client-id>, TYPE (NORMAL|MASTER|REPLICA|PUBSUB),',
  '    USER <username>, ADDR <ip:port>, LADDR <ip:port>, SKIPME (YES|NO).',
  'LIST [TYPE (NORMAL|MASTER|REPLICA|PUBSUB)] [ID <client-id> ...]',
  '    Return information about client connections.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend clients (all, or only their writes) for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    Unblock the specified blocked client.',
  'NO-EVICT (ON|OFF)',
  '    Accepted for compatibility; Understudy does not evict clients.',
];

export const clientCommands: CommandDefinition<Client>[] = [
  {
    name: 'client', arity: -2, flags: '', acl: 'slow',
    subcommands: [
      { name: 'id', arity: 2, flags: 'noscript loading stale', acl: 'slow connection', run: (client) => client.reply.integer(client.id) },
      {
        name: 'setname', arity: 3, flags: 'noscript loading stale', acl: 'slow connection',
        run: (client, argv) => {
          client.name = validateClientName(argv[2]);
          client.reply.ok();
        },
      },
      {
        name: 'getname', arity: 2, flags: 'noscript loading stale', acl: 'slow connection',
        run: (client) => (client.name === '' ? client.reply.nil() : client.reply.bulk(client.name)),
      },
      { name: 'list', arity: -2, flags: 'admin noscript loading stale', acl: 'admin slow dangerous connection', run: list },
      {
        name: 'info', arity: 2, flags: 'noscript loading stale', acl: 'slow connection',
        run: (client) => client.reply.verbatim(`${describeClient(client, Date.now())}\n`),
      },
      { name: 'kill', arity: -3, flags: 'admin noscript loading stale', acl: 'admin slow dangerous connection', run: kill },
      { name: 'pause', arity: -3, flags: 'admin noscript loading stale', acl: 'admin slow dangerous connection', run: pause },
      {
        name: 'unpause', arity: 2, flags: 'admin noscript loading stale', acl: 'admin slow dangerous connection',
        run: (client) => {
          client.server.unpause();
          client.reply.ok();
        },
      },
      { name: 'reply', arity: 3, flags: 'noscript loading stale', acl: 'slow connection', run: reply },
      { name: 'unblock', arity: -3, flags: 'admin noscript loading stale', acl: 'admin slow dangerous connection', run: unblock },
      {
        name: 'no-evict', arity: 3, flags: 'admin noscript loading stale', acl: 'admin slow dangerous connection',
        run: (client, argv) => {
          const value = argv[2].toUpperCase();
          if (value !== 'ON' && value !== 'OFF') throw SYNTAX;
          client.reply.ok();
        },
      },
      { name: 'help', arity: 2, flags: 'loading stale', acl: 'slow connection', run: (client) => replyHelp(client, 'CLIENT', CLIENT_HELP) },
    ],
  },
];
