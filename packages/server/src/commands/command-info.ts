import { type CommandDefinition, type CommandFlagName, CommandFlags, type CommandSpec, RedisError, replyHelp } from '@understudy/engine';
import type { Client } from '../client.js';

/** The flags redis-server lists, in its order; it hides may_replicate and protected. */
const FLAG_ORDER: readonly CommandFlagName[] = [
  'write', 'readonly', 'denyoom', 'admin', 'pubsub', 'noscript', 'blocking', 'loading', 'stale',
  'skip_monitor', 'skip_slowlog', 'fast', 'no_auth', 'no_mandatory_keys', 'no_async_loading',
  'no_multi', 'movablekeys', 'allow_busy',
];

/** One COMMAND INFO entry: the ten fields of Redis 7.0. */
function replyCommandInfo(client: Client, spec: CommandSpec<Client>): void {
  const reply = client.reply;
  reply.array(10);
  reply.bulk(spec.fullName);
  reply.integer(spec.arity);
  const flags = FLAG_ORDER.filter((flag) => spec.flagNames.includes(flag));
  reply.set(flags.length);
  for (const flag of flags) reply.simple(flag);
  reply.integer(spec.firstKey);
  reply.integer(spec.lastKey);
  reply.integer(spec.keyStep);
  reply.set(spec.categories.length);
  for (const category of spec.categories) reply.simple(category);
  reply.set(0);
  if (spec.firstKey === 0) {
    reply.array(0);
  } else {
    reply.array(1);
    reply.map(2);
    reply.bulk('begin_search');
    reply.map(2);
    reply.bulk('type');
    reply.bulk('index');
    reply.bulk('spec');
    reply.map(1);
    reply.bulk('index');
    reply.integer(spec.firstKey);
    reply.bulk('find_keys');
    reply.map(2);
    reply.bulk('type');
    reply.bulk('range');
    reply.bulk('spec');
    reply.map(3);
    reply.bulk('lastkey');
    reply.integer(spec.lastKey < 0 ? spec.lastKey : spec.lastKey - spec.firstKey);
    reply.bulk('keystep');
    reply.integer(spec.keyStep);
    reply.bulk('limit');
    reply.integer(0);
  }
  const subcommands = spec.subcommands === null ? [] : [...spec.subcommands.values()];
  reply.array(subcommands.length);
  for (const sub of subcommands) replyCommandInfo(client, sub);
}

function commandAll(client: Client): void {
  const all = client.server.table.all();
  client.reply.array(all.length);
  for (const spec of all) replyCommandInfo(client, spec);
}

function commandInfo(client: Client, argv: string[]): void {
  const table = client.server.table;
  const names = argv.length > 2 ? argv.slice(2) : table.all().map((spec) => spec.name);
  client.reply.array(names.length);
  for (const name of names) {
    const spec = lookupFullName(client, name);
    if (spec === undefined) client.reply.nilArray();
    else replyCommandInfo(client, spec);
  }
}

/** "get" or "config|get". */
function lookupFullName(client: Client, name: string): CommandSpec<Client> | undefined {
  const [base, sub] = name.toLowerCase().split('|');
  const spec = client.server.table.get(base);
  if (sub === undefined) return spec;
  return spec?.subcommands?.get(sub);
}

/** COMMAND GETKEYS cmd arg...: checks in Redis's order, then the key arguments. */
function getkeys(client: Client, argv: string[]): void {
  const target = argv.slice(2);
  const table = client.server.table;
  const base = table.get(target[0]);
  const spec = base?.subcommands != null && target.length >= 2 ? base.subcommands.get(target[1].toLowerCase()) : base;
  if (spec === undefined) throw new RedisError('Invalid command specified');
  if (spec.firstKey === 0 && !spec.has(CommandFlags.movablekeys)) throw new RedisError('The command has no key arguments');
  if (!spec.arityMatches(target.length)) throw new RedisError('Invalid number of arguments specified for command');
  const positions = spec.keyPositions(target);
  if (positions.length === 0) throw new RedisError('Invalid arguments specified for command');
  client.reply.bulkArray(positions.map((position) => target[position]));
}

function docs(client: Client, argv: string[]): void {
  const table = client.server.table;
  const specs = argv.length > 2 ? argv.slice(2).map((name) => lookupFullName(client, name)).filter((spec) => spec !== undefined) : [...table.all()];
  client.reply.map(specs.length);
  for (const spec of specs) {
    client.reply.bulk(spec!.fullName);
    client.reply.map(1);
    client.reply.bulk('group');
    client.reply.bulk(spec!.categories.find((category) => GROUPS.has(category))?.slice(1) ?? 'server');
  }
}

const GROUPS = new Set(['@string', '@list', '@hash', '@set', '@sortedset', '@pubsub', '@transaction', '@connection', '@keyspace']);

export const commandCommands: CommandDefinition<Client>[] = [
  {
    name: 'command', arity: -1, flags: 'loading stale', acl: 'slow connection', run: commandAll,
    subcommands: [
      { name: 'count', arity: 2, flags: 'loading stale', acl: 'slow connection', run: (client) => client.reply.integer(client.server.table.all().length) },
      { name: 'info', arity: -2, flags: 'loading stale', acl: 'slow connection', run: commandInfo },
      { name: 'getkeys', arity: -4, flags: 'loading stale', acl: 'slow connection', run: getkeys },
      { name: 'docs', arity: -2, flags: 'loading stale', acl: 'slow connection', run: docs },
      {
        name: 'list', arity: -2, flags: 'loading stale', acl: 'slow connection',
        run: (client) => client.reply.bulkArray(client.server.table.all().map((spec) => spec.name)),
      },
      {
        name: 'help', arity: 2, flags: 'loading stale', acl: 'slow connection',
        run: (client) =>
          replyHelp(client, 'COMMAND', [
            '(no subcommand)',
            '    Return details about all commands.',
            'COUNT',
            '    Return the total number of commands in this server.',
            'LIST',
            '    Return a list of all command names.',
            'INFO [<command-name> ...]',
            '    Return details about the given commands, or all of them.',
            'DOCS [<command-name> ...]',
            '    Return documentation details about the given commands (only their group here).',
            'GETKEYS <full-command>',
            '    Return the keys from a full command.',
          ]),
      },
    ],
  },
];
