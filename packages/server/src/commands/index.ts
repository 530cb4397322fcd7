import type { CommandDefinition } from '@understudy/engine';
import type { Client } from '../client.js';
import { adminCommands } from './admin.js';
import { clientCommands } from './client.js';
import { commandCommands } from './command-info.js';
import { configCommands } from './config.js';
import { connectionCommands } from './connection.js';
import { debugCommands } from './debug.js';
import { persistenceCommands } from './persistence.js';
import { pubsubCommands } from './pubsub.js';
import { transactionCommands } from './transactions.js';

/** Commands that need the server or the connection, beyond the engine's data commands. */
export const serverCommands: CommandDefinition<Client>[] = [
  ...connectionCommands,
  ...transactionCommands,
  ...pubsubCommands,
  ...clientCommands,
  ...configCommands,
  ...commandCommands,
  ...adminCommands,
  ...debugCommands,
  ...persistenceCommands,
];
