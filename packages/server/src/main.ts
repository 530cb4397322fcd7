import { RdbError } from '@understudy/rdb';
import { ConfigFileError, loadConfig } from './config/config-file.js';
import { ServerConfig } from './config/server-config.js';
import { createLogger } from './logger.js';
import { LoadFailure } from './persistence.js';
import { Server } from './server.js';

/** understudy-server [/path/to/understudy.conf] [--directive value ...] */
async function main(argv: readonly string[]): Promise<void> {
  const config = new ServerConfig();
  try {
    loadConfig(config, argv);
  } catch (error) {
    if (!(error instanceof ConfigFileError)) throw error;
    process.stderr.write(
      `\n*** FATAL CONFIG FILE ERROR (Understudy) ***\n` +
        (error.line > 0 ? `Reading the configuration file ${error.source}, at line ${error.line}\n>>> '${error.text}'\n` : '') +
        `${error.reason}\n`,
    );
    process.exit(1);
  }
  const log = createLogger({ level: config.get('loglevel'), logfile: config.get('logfile') });
  const server = new Server(config, log);
  server.onShutdown = () => process.exit(0);
  // Like SHUTDOWN without arguments: save if there are save rules; stay up if that fails.
  const stop = (signal: string): void => {
    log.warn({ signal }, `Received ${signal} scheduling shutdown...`);
    server.shutdown();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  try {
    await server.start();
  } catch (error) {
    if (error instanceof LoadFailure) {
      const reason = error.reason;
      const where = reason instanceof RdbError ? { offset: reason.offset, key: reason.key ?? undefined, type: reason.type ?? undefined } : { code: reason.code };
      log.fatal({ file: error.path, ...where }, `Fatal error loading the DB: ${reason.message}. Exiting. ('understudy check-rdb <file>' reports on the file.)`);
    } else {
      log.fatal({ err: (error as Error).message }, `Fatal error during startup: ${(error as Error).message}`);
    }
    process.exit(1);
  }
}

await main(process.argv.slice(2));
