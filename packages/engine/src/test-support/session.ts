import { ReplyWriter } from '@understudy/protocol';
import { type CommandSpec, CommandTable, type ExecContext, runCommand } from '../command.js';
import { engineCommands } from '../commands/index.js';
import type { Database } from '../database.js';
import { Keyspace } from '../keyspace.js';
import { decodeReplies, type Reply } from './resp.js';

export const engineTable = new CommandTable();
engineTable.register(engineCommands);

/**
 * A client of a bare Keyspace for engine tests: runs commands through the real command table
 * and returns their raw or decoded replies. Each command is its own execution unit.
 */
export class EngineSession implements ExecContext {
  dbIndex = 0;
  readonly reply = new ReplyWriter();
  inTransaction = false;
  /** Keys the last command asked to block on (null when it did not block). */
  blockedOn: readonly string[] | null = null;

  constructor(readonly keyspace: Keyspace = new Keyspace()) {}

  get db(): Database {
    return this.keyspace.databases[this.dbIndex];
  }

  block(keys: readonly string[]): void {
    this.blockedOn = keys;
  }

  /** Runs one command; returns its reply bytes as a latin1 string. */
  raw(...argv: string[]): string {
    this.blockedOn = null;
    let spec: CommandSpec;
    try {
      spec = engineTable.resolve(argv);
    } catch (error) {
      this.reply.error((error as { reply: string }).reply);
      return this.reply.take()!.toString('latin1');
    }
    runCommand(this, spec, argv);
    this.keyspace.commitEffects();
    return this.reply.take()?.toString('latin1') ?? '';
  }

  run(...argv: string[]): Reply {
    const out = this.raw(...argv);
    return out === '' ? undefined as unknown as Reply : decodeReplies(Buffer.from(out, 'latin1'))[0];
  }
}
