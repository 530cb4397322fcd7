import { ConfigFileError, loadConfig } from './config/config-file.js';
import { ServerConfig } from './config/server-config.js';
import { createLogger } from './logger.js';
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
  try {
    await server.start();
  } catch (error) {
    log.fatal({ err: error }, (error as Error).message);
    process.exit(1);
  }
  const stop = (signal: string): void => {
    log.warn({ signal }, 'Received signal, scheduling shutdown');
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

await main(process.argv.slice(2));
