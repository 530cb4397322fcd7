import { type CommandDefinition, globMatch, RedisError, replyHelp, SYNTAX } from '@understudy/engine';
import type { Client } from '../client.js';
import { ConfigValueError, type Directive } from '../config/directives.js';
import { rewriteConfigFile } from '../config/rewrite.js';
import { ALIASES, type ConfigName, DIRECTIVES, directiveNamed, type ServerConfig } from '../config/server-config.js';
import { DatasetLoadingError } from '../persistence.js';

/** Names CONFIG GET can match: every directive and every alias. */
const ALL_NAMES = [...Object.keys(DIRECTIVES), ...Object.keys(ALIASES)];

function configGet(client: Client, argv: string[]): void {
  const config = client.server.config;
  const found = new Map<string, string>();
  for (let i = 2; i < argv.length; i++) {
    for (const name of ALL_NAMES) {
      if (found.has(name) || !globMatch(argv[i], name, true)) continue;
      found.set(name, config.format(directiveNamed(name)!));
    }
  }
  client.reply.map(found.size);
  for (const [name, value] of found) {
    client.reply.bulk(name);
    client.reply.bulk(value);
  }
}

/** One name/value pair of a CONFIG SET, its name as the client spelled it. */
interface Change {
  spelled: string;
  name: ConfigName;
  value: string;
}

function refused(spelled: string, reason: string): RedisError {
  return new RedisError(`CONFIG SET failed (possibly related to argument '${spelled}') - ${reason}`);
}

/**
 * Checks every name before any value, as Redis does: a bad value early in the command loses
 * to an unknown or immutable name later in it.
 */
function checkNames(client: Client, argv: string[]): Change[] {
  const changes: Change[] = [];
  for (let i = 2; i < argv.length; i += 2) {
    const spelled = argv[i];
    const name = directiveNamed(spelled);
    if (name === null) throw new RedisError(`Unknown option or number of arguments for CONFIG SET - '${spelled}'`);
    const directive = DIRECTIVES[name] as Directive<unknown>;
    if (!directive.mutable) throw refused(spelled, "can't set immutable config");
    if (directive.protected === true && !client.server.allows('enable-protected-configs', client)) throw refused(spelled, "can't set protected config");
    if (directive.denyLoading === true && client.server.loading) throw new DatasetLoadingError();
    // Redis compares the names as given: an alias and its directive are not duplicates (the later wins).
    if (changes.some((seen) => seen.spelled.toLowerCase() === spelled.toLowerCase())) throw refused(spelled, 'duplicate parameter');
    changes.push({ spelled, name, value: argv[i + 1] });
  }
  return changes;
}

function checkValues(config: ServerConfig, changes: readonly Change[]): void {
  for (const { spelled, name, value } of changes) {
    try {
      config.parse(name, [value]);
    } catch (error) {
      if (!(error instanceof ConfigValueError)) throw error;
      throw refused(spelled, error.message);
    }
  }
}

/**
 * CONFIG SET name value [name value ...]: all or nothing. Every name is checked, then every
 * value parsed, before any is applied; if applying one fails the earlier ones are put back.
 */
function configSet(client: Client, argv: string[]): void {
  // Redis answers a name without a value (an odd count) with a syntax error.
  if (argv.length % 2 !== 0) throw SYNTAX;
  const config = client.server.config;
  const changes = checkNames(client, argv);
  checkValues(config, changes);
  const previous = changes.map(({ name }) => [name, config.format(name)] as const);
  try {
    for (const { name, value } of changes) config.set(name, [value]);
  } catch (error) {
    for (const [name, value] of previous) config.set(name, [value]);
    throw new RedisError(`CONFIG SET failed - ${(error as Error).message}`);
  }
  client.reply.ok();
}

function configRewrite(client: Client): void {
  const file = client.server.config.file;
  if (file === null) throw new RedisError('The server is running without a config file');
  try {
    rewriteConfigFile(client.server.config, file);
  } catch (error) {
    client.server.log.warn({ err: error, file }, 'CONFIG REWRITE failed');
    throw new RedisError(`Rewriting config file: ${(error as Error).message}`);
  }
  client.server.log.info({ file }, 'CONFIG REWRITE executed with success.');
  client.reply.ok();
}

function configResetStat(client: Client): void {
  client.server.resetStats();
  client.reply.ok();
}

const CONFIG_HELP = [
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
];

export const configCommands: CommandDefinition<Client>[] = [
  {
    name: 'config', arity: -2, flags: '', acl: 'slow',
    subcommands: [
      { name: 'get', arity: -3, flags: 'admin noscript loading stale', acl: 'admin slow dangerous', run: configGet },
      { name: 'set', arity: -4, flags: 'admin noscript loading stale', acl: 'admin slow dangerous', run: configSet },
      { name: 'resetstat', arity: 2, flags: 'admin noscript loading stale', acl: 'admin slow dangerous', run: configResetStat },
      { name: 'rewrite', arity: 2, flags: 'admin noscript loading stale', acl: 'admin slow dangerous', run: configRewrite },
      { name: 'help', arity: 2, flags: 'loading stale', acl: 'slow', run: (client) => replyHelp(client, 'CONFIG', CONFIG_HELP) },
    ],
  },
];
