import { type CommandDefinition, globMatch, replyHelp } from '@understudy/engine';
import type { Client } from '../client.js';

function subscribe(client: Client, argv: string[]): void {
  for (let i = 1; i < argv.length; i++) client.server.pubsub.subscribe(client, argv[i]);
}

function unsubscribe(client: Client, argv: string[]): void {
  const pubsub = client.server.pubsub;
  if (argv.length === 1) pubsub.unsubscribeAll(client, true);
  else for (let i = 1; i < argv.length; i++) pubsub.unsubscribe(client, argv[i], true);
}

function psubscribe(client: Client, argv: string[]): void {
  for (let i = 1; i < argv.length; i++) client.server.pubsub.psubscribe(client, argv[i]);
}

function punsubscribe(client: Client, argv: string[]): void {
  const pubsub = client.server.pubsub;
  if (argv.length === 1) pubsub.punsubscribeAll(client, true);
  else for (let i = 1; i < argv.length; i++) pubsub.punsubscribe(client, argv[i], true);
}

function publish(client: Client, argv: string[]): void {
  const server = client.server;
  const receivers = server.pubsub.publish(argv[1], argv[2], (receiver) => server.markPending(receiver));
  client.reply.integer(receivers);
}

export const pubsubCommands: CommandDefinition<Client>[] = [
  { name: 'subscribe', arity: -2, flags: 'pubsub noscript loading stale', acl: 'pubsub slow', run: subscribe },
  { name: 'unsubscribe', arity: -1, flags: 'pubsub noscript loading stale', acl: 'pubsub slow', run: unsubscribe },
  { name: 'psubscribe', arity: -2, flags: 'pubsub noscript loading stale', acl: 'pubsub slow', run: psubscribe },
  { name: 'punsubscribe', arity: -1, flags: 'pubsub noscript loading stale', acl: 'pubsub slow', run: punsubscribe },
  { name: 'publish', arity: 3, flags: 'pubsub loading stale fast may_replicate', acl: 'pubsub fast', run: publish },
  {
    name: 'pubsub', arity: -2, flags: '', acl: 'slow',
    subcommands: [
      {
        name: 'channels', arity: -2, flags: 'pubsub loading stale', acl: 'pubsub slow',
        run: (client, argv) => {
          const pattern = argv.length > 2 ? argv[2] : null;
          const channels = [...client.server.pubsub.channels.keys()].filter((channel) => pattern === null || globMatch(pattern, channel));
          client.reply.bulkArray(channels);
        },
      },
      {
        name: 'numsub', arity: -2, flags: 'pubsub loading stale', acl: 'pubsub slow',
        run: (client, argv) => {
          const channels = client.server.pubsub.channels;
          // A flat array of channel, count pairs (not a map), even in RESP3.
          client.reply.array((argv.length - 2) * 2);
          for (let i = 2; i < argv.length; i++) {
            client.reply.bulk(argv[i]);
            client.reply.integer(channels.get(argv[i])?.size ?? 0);
          }
        },
      },
      {
        name: 'numpat', arity: 2, flags: 'pubsub loading stale', acl: 'pubsub slow',
        run: (client) => client.reply.integer(client.server.pubsub.patterns.size),
      },
      {
        name: 'help', arity: 2, flags: 'loading stale', acl: 'slow',
        run: (client) =>
          replyHelp(client, 'PUBSUB', [
            'CHANNELS [<pattern>]',
            '    Channels with at least one subscriber, optionally only those matching <pattern>.',
            'NUMPAT',
            '    Number of distinct patterns clients are subscribed to.',
            'NUMSUB [<channel> ...]',
            '    Number of subscribers of each given channel.',
          ]),
      },
    ],
  },
];
