import type { CommandDefinition } from '../command.js';
import { hashCommands } from './hashes.js';
import { keyCommands } from './keys.js';
import { listCommands } from './lists.js';
import { setCommands } from './sets.js';
import { stringCommands } from './strings.js';
import { zsetCommands } from './zsets.js';

/** Every data command the engine implements. */
export const engineCommands: CommandDefinition[] = [
  ...stringCommands,
  ...keyCommands,
  ...listCommands,
  ...hashCommands,
  ...setCommands,
  ...zsetCommands,
];
