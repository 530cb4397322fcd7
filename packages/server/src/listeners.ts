import { chmodSync } from 'node:fs';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { removeQuietly } from '@understudy/rdb';
import type { Logger } from './logger.js';

/**
 * The listening sockets: TCP on each bind address (a leading '-' marks an address that may be
 * missing, as in Redis) and an optional unix socket.
 */
export class Listeners {
  private readonly servers: NetServer[] = [];
  private unixPath: string | null = null;

  constructor(
    private readonly accept: (socket: Socket) => void,
    private readonly log: Logger,
  ) {}

  listenTcp(bindAddress: string, port: number, backlog: number): Promise<void> {
    const optional = bindAddress.startsWith('-');
    const spec = optional ? bindAddress.slice(1) : bindAddress;
    const host = spec === '*' ? '0.0.0.0' : spec === '::*' ? '::' : spec;
    return new Promise((resolve, reject) => {
      const listener = createServer({ noDelay: true }, this.accept);
      listener.once('error', (error: NodeJS.ErrnoException) => {
        if (optional && (error.code === 'EADDRNOTAVAIL' || error.code === 'EAFNOSUPPORT')) {
          this.log.warn({ address: host, port, code: error.code }, 'Optional bind address not available, skipped');
          resolve();
        } else {
          reject(new Error(`Could not create server TCP listening socket ${host}:${port}: ${error.message}`));
        }
      });
      listener.listen({ host, port, backlog, ipv6Only: host.includes(':') }, () => {
        listener.removeAllListeners('error');
        listener.on('error', (error) => this.log.warn({ err: error }, 'Listener error'));
        this.servers.push(listener);
        resolve();
      });
    });
  }

  listenUnix(path: string, mode: number): Promise<void> {
    removeQuietly(path);
    return new Promise((resolve, reject) => {
      const listener = createServer({ noDelay: true }, this.accept);
      listener.once('error', reject);
      listener.listen(path, () => {
        if (mode !== 0) chmodSync(path, mode);
        this.servers.push(listener);
        this.unixPath = path;
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((listener) => new Promise<void>((resolve) => listener.close(() => resolve()))));
    if (this.unixPath !== null) removeQuietly(this.unixPath);
  }
}
