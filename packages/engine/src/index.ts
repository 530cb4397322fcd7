export {
  type CommandDefinition,
  type CommandFlagName,
  type CommandHandler,
  CommandFlags,
  CommandSpec,
  CommandTable,
  type ExecContext,
  runCommand,
} from './command.js';
export { engineCommands } from './commands/index.js';
export { replyHelp } from './commands/support.js';
export { Database, NO_EXPIRY } from './database.js';
export { StringSlab } from './string-slab.js';
export { datasetDigest, valueDigest } from './digest.js';
export { EffectLog, EffectStream } from './effects.js';
export * from './errors.js';
export { globMatch } from './glob.js';
export {
  type ActiveSnapshot,
  type EngineLimits,
  type ExpiryPolicy,
  Keyspace,
  type KeyspaceListener,
  type KeyspaceStats,
  MAX_STRING_LENGTH,
  type SnapshotObserver,
} from './keyspace.js';
export { parseDouble, parseInteger } from './numbers.js';
export type { FrozenHash, FrozenList, FrozenMembers, FrozenView, FrozenZSet } from './values/frozen.js';
export { HashValue } from './values/hash-value.js';
export { ListValue } from './values/list-value.js';
export type { PackedFormat } from './values/packed-format.js';
export { SetValue } from './values/set-value.js';
export { encodingName, type RedisValue, type TypeName, typeName } from './values/value.js';
export { ZSetValue } from './values/zset-value.js';
