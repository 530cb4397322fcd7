import { ArityError, type CommandDefinition, parseInteger, RedisError, SYNTAX } from '@understudy/engine';
import type { Client } from '../client.js';
import { REDIS_VERSION } from '../server.js';

const WRONGPASS = new RedisError('invalid username-password pair or user is disabled.', 'WRONGPASS');

function ping(client: Client, argv: string[]): void {
  if (argv.length > 2) throw new ArityError('ping');
  if (client.inPubSubContext) {
    client.reply.array(2);
    client.reply.bulk('pong');
    client.reply.bulk(argv.length === 2 ? argv[1] : '');
  } else if (argv.length === 2) {
    client.reply.bulk(argv[1]);
  } else {
    client.reply.simple('PONG');
  }
}

/**
 * Checks credentials against the only user there is, "default", whose password is
 * requirepass (none: any password is accepted, as for a nopass user).
 */
function checkCredentials(client: Client, username: string, password: string): boolean {
  const required = client.server.config.get('requirepass');
  return username === 'default' && (required === '' || password === required);
}

function auth(client: Client, argv: string[]): void {
  if (argv.length > 3) throw SYNTAX;
  if (argv.length === 2 && client.server.config.get('requirepass') === '') {
    throw new RedisError(
      'AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
    );
  }
  const [username, password] = argv.length === 2 ? ['default', argv[1]] : [argv[1], argv[2]];
  if (!checkCredentials(client, username, password)) throw WRONGPASS;
  client.authenticate();
  client.reply.ok();
}

/** HELLO [protover [AUTH username password] [SETNAME clientname]] */
function hello(client: Client, argv: string[]): void {
  let protocol: 2 | 3 | null = null;
  let next = 1;
  if (argv.length >= 2) {
    const version = parseInteger(argv[1]);
    if (Number.isNaN(version)) throw new RedisError('Protocol version is not an integer or out of range');
    if (version !== 2 && version !== 3) throw new RedisError('unsupported protocol version', 'NOPROTO');
    protocol = version;
    next = 2;
  }
  let credentials: [string, string] | null = null;
  let name: string | null = null;
  for (let i = next; i < argv.length; i++) {
    const option = argv[i].toUpperCase();
    const remaining = argv.length - i - 1;
    if (option === 'AUTH' && remaining >= 2) {
      credentials = [argv[i + 1], argv[i + 2]];
      i += 2;
    } else if (option === 'SETNAME' && remaining >= 1) {
      name = argv[i + 1];
      i += 1;
    } else {
      throw new RedisError(`Syntax error in HELLO option '${argv[i]}'`);
    }
  }
  if (credentials !== null) {
    if (!checkCredentials(client, credentials[0], credentials[1])) throw WRONGPASS;
    client.authenticate();
  }
  if (!client.authenticated) {
    throw new RedisError(
      'HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
      'NOAUTH',
    );
  }
  if (name !== null) client.name = validateClientName(name);
  if (protocol !== null) client.protocol = protocol;
  const reply = client.reply;
  reply.map(7);
  reply.bulk('server');
  reply.bulk('redis');
  reply.bulk('version');
  reply.bulk(REDIS_VERSION);
  reply.bulk('proto');
  reply.integer(client.protocol);
  reply.bulk('id');
  reply.integer(client.id);
  reply.bulk('mode');
  reply.bulk('standalone');
  reply.bulk('role');
  reply.bulk('master');
  reply.bulk('modules');
  reply.array(0);
}

/** Client names may not contain spaces, newlines or other special characters. */
export function validateClientName(name: string): string {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) {
      throw new RedisError('Client names cannot contain spaces, newlines or special characters.');
    }
  }
  return name;
}

function quit(client: Client): void {
  client.reply.ok();
  client.closeAfterReply = true;
}

/** RESET: back to a fresh connection's state (keeps the connection and its id). */
function reset(client: Client): void {
  const server = client.server;
  client.multi = null;
  client.multiFailed = false;
  server.watches.unwatchAll(client);
  server.pubsub.forget(client);
  server.monitors.delete(client);
  client.monitor = false;
  client.dbIndex = 0;
  client.name = '';
  client.protocol = 2;
  client.setReplyMode('on');
  if (server.config.get('requirepass') !== '') {
    client.authenticated = false;
    client.parser.authRequired = true;
  }
  server.listenerNeeded();
  client.reply.simple('RESET');
}

export const connectionCommands: CommandDefinition<Client>[] = [
  { name: 'ping', arity: -1, flags: 'fast', acl: 'fast connection', run: ping },
  { name: 'echo', arity: 2, flags: 'fast', acl: 'fast connection', run: (client, argv) => client.reply.bulk(argv[1]) },
  { name: 'auth', arity: -2, flags: 'noscript loading stale fast no_auth allow_busy', acl: 'fast connection', run: auth },
  { name: 'hello', arity: -1, flags: 'noscript loading stale fast no_auth allow_busy', acl: 'fast connection', run: hello },
  { name: 'quit', arity: -1, flags: 'noscript loading stale fast no_auth allow_busy', acl: 'fast connection', run: quit },
  { name: 'reset', arity: 1, flags: 'noscript loading stale fast no_auth allow_busy', acl: 'fast connection', run: reset },
];
