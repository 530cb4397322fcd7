import { connect, type Socket } from 'node:net';
import { scanReply } from '@understudy/protocol';

/**
 * A bare TCP client that sends bytes and reads whole replies as bytes: for tests that check
 * the wire exactly (malformed input, byte-for-byte comparison with redis-server).
 */
export class RawClient {
  private buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return RawClient.opened(connect({ port, host, noDelay: true }));
  }

  /** Connects to a unix socket. */
  static async connectPath(path: string): Promise<RawClient> {
    return RawClient.opened(connect({ path }));
  }

  private static async opened(socket: Socket): Promise<RawClient> {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  /** Stops reading, so the server's output piles up (output buffer limit tests). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  write(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Sends one command as a RESP array. */
  send(...argv: string[]): void {
    let out = `*${argv.length}\r\n`;
    for (const arg of argv) out += `$${Buffer.byteLength(arg, 'latin1')}\r\n${arg}\r\n`;
    this.write(out);
  }

  /** The next complete reply as raw latin1 text; rejects if none arrives in time. */
  async reply(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.buffer.length > 0 ? scanReply(this.buffer, 0) : -1;
      if (end > 0) {
        const reply = this.buffer.toString('latin1', 0, end);
        this.buffer = this.buffer.subarray(end);
        return reply;
      }
      if (this.closed) throw new Error(`connection closed; pending bytes: ${JSON.stringify(this.buffer.toString('latin1'))}`);
      if (Date.now() > deadline) throw new Error(`no reply within ${timeoutMs} ms; pending bytes: ${JSON.stringify(this.buffer.toString('latin1'))}`);
      await this.wait(deadline - Date.now());
    }
  }

  async call(...argv: string[]): Promise<string> {
    this.send(...argv);
    return this.reply();
  }

  /** Resolves once the server closed the connection (rejects after the timeout). */
  async closedByServer(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('connection still open');
      await this.wait(deadline - Date.now());
    }
    return this.buffer.toString('latin1');
  }

  close(): void {
    this.socket.destroy();
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(1, ms));
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
