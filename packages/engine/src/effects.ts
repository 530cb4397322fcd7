/**
 * Effects: the commands that reproduce a change deterministically on another node. Commands
 * record them while they execute (already rewritten: relative expiries made absolute, random
 * picks named); one execution unit (a command, or a whole MULTI/EXEC) is then committed as a
 * whole to whoever replicates or persists it.
 */
export class EffectLog {
  private readonly dbs: number[] = [];
  private readonly commands: string[][] = [];

  get length(): number {
    return this.commands.length;
  }

  add(db: number, argv: string[]): void {
    this.dbs.push(db);
    this.commands.push(argv);
  }

  dbAt(index: number): number {
    return this.dbs[index];
  }

  commandAt(index: number): string[] {
    return this.commands[index];
  }

  clear(): void {
    // pop() stays in optimized code; assigning length calls into the runtime.
    while (this.commands.length > 0) {
      this.commands.pop();
      this.dbs.pop();
    }
  }
}

const SELECT = 'SELECT';
const MULTI = ['MULTI'];
const EXEC = ['EXEC'];

/**
 * Turns committed execution units into one command stream, the way Redis writes its
 * replication stream: SELECT whenever the database changes, and a unit of more than one effect
 * wrapped in MULTI/EXEC so it applies atomically.
 */
export class EffectStream {
  /** Database the stream's reader has selected; -1 until the first SELECT. */
  private selected = -1;

  constructor(private readonly emit: (argv: string[]) => void) {}

  /** Forces a SELECT before the next effect (a new reader starts with no database chosen). */
  reset(): void {
    this.selected = -1;
  }

  writeUnit(unit: EffectLog): void {
    const count = unit.length;
    if (count === 0) return;
    const wrap = count > 1;
    if (wrap) {
      this.select(unit.dbAt(0));
      this.emit(MULTI);
    }
    for (let i = 0; i < count; i++) {
      this.select(unit.dbAt(i));
      this.emit(unit.commandAt(i));
    }
    if (wrap) this.emit(EXEC);
  }

  private select(db: number): void {
    if (db === this.selected) return;
    this.selected = db;
    this.emit([SELECT, String(db)]);
  }
}
