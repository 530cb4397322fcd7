import { checkRdb } from './check-rdb.js';

const USAGE = `Usage: understudy <command> [arguments]

Commands:
  check-rdb <file>   Validate an RDB file: keys per type, encodings seen, or the first
                     error and its byte offset. Exits 0 when the file is valid.
`;

/** Runs one `understudy` command; resolves to the exit status. */
export async function run(argv: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'check-rdb':
      return checkRdb(args, out);
    case undefined:
    case 'help':
    case '--help':
      out.write(USAGE);
      return command === undefined ? 1 : 0;
    default:
      err.write(`understudy: unknown command '${command}'\n${USAGE}`);
      return 1;
  }
}
