import type { CommandDefinition } from '@understudy/engine';
import type { Client } from '../client.js';
import { connectionCommands } from './connection.js';
import { pubsubCommands } from './pubsub.js';
import { transactionCommands } from './transactions.js';

/** Commands that need the server or the connection, beyond the engine's data commands. */
export const serverCommands: CommandDefinition<Client>[] = [
  ...connectionCommands,
  ...transactionCommands,
  ...pubsubCommands,
];
