export { Client } from './client.js';
export { ConfigFileError, loadConfig } from './config/config-file.js';
export { ServerConfig } from './config/server-config.js';
export { createLogger } from './logger.js';
export { REDIS_VERSION, Server } from './server.js';
