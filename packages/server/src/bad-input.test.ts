import { connect, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@understudy/engine/testing';
import { startRedis, startUnderstudy, type RunningServer } from './test-support/processes.js';
import { RawClient } from './test-support/raw-client.js';

/**
 * Malformed and hostile input: every case goes to redis-server 7.0 too, and what comes back
 * (reply bytes, and whether the connection was closed) must be the same. Whatever happens,
 * the server keeps serving its other clients.
 */
let redis: RunningServer;
let understudy: RunningServer;

beforeAll(async () => {
  [redis, understudy] = await Promise.all([startRedis(), startUnderstudy()]);
}, 30_000);

afterAll(async () => {
  await Promise.all([redis?.stop(), understudy?.stop()]);
});

interface Outcome {
  output: string;
  closed: boolean;
}

/**
 * Sends bytes on a fresh connection; collects output until it closes or goes quiet. Silence is
 * the only sign that a server waiting for more input has said all it will, so the quiet window
 * ends a collection; it orders nothing else.
 */
function exchange(port: number, input: Buffer, quietMs = 150): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let output = '';
    let timer: NodeJS.Timeout;
    const finish = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ output, closed });
    };
    const quiet = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(false), quietMs);
    };
    socket.on('connect', () => {
      socket.write(input);
      quiet();
    });
    socket.on('data', (chunk: Buffer) => {
      output += chunk.toString('latin1');
      quiet();
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => undefined);
  });
}

async function compareWithRedis(inputs: Buffer[]): Promise<{ input: string; redis: Outcome; understudy: Outcome }[]> {
  const differences: { input: string; redis: Outcome; understudy: Outcome }[] = [];
  const batch = 50;
  for (let i = 0; i < inputs.length; i += batch) {
    const slice = inputs.slice(i, i + batch);
    const results = await Promise.all(slice.map((input) => Promise.all([exchange(redis.port, input), exchange(understudy.port, input)])));
    results.forEach(([theirs, ours], j) => {
      if (theirs.output !== ours.output || theirs.closed !== ours.closed) {
        differences.push({ input: slice[j].toString('latin1'), redis: theirs, understudy: ours });
      }
    });
  }
  return differences;
}

async function stillServing(port: number): Promise<void> {
  const probe = await RawClient.connect(port);
  expect(await probe.call('PING')).toBe('+PONG\r\n');
  probe.close();
}

const BASE = Buffer.from('*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n*1\r\n$4\r\nPING\r\n', 'latin1');

describe('malformed input', () => {
  it('answers a byte replaced at every position exactly like redis-server', async () => {
    const inputs: Buffer[] = [];
    for (let position = 0; position < BASE.length; position++) {
      for (const replacement of ['x', '\r', '\n', '-', '*', '$', '\0', '9', '+', ' ']) {
        const mutated = Buffer.from(BASE);
        mutated[position] = replacement.charCodeAt(0);
        inputs.push(mutated);
      }
    }
    expect(await compareWithRedis(inputs)).toEqual([]);
    await stillServing(understudy.port);
  }, 120_000);

  it('treats a stream cut at every position like redis-server', async () => {
    const inputs = Array.from({ length: BASE.length }, (_, cut) => BASE.subarray(0, cut));
    expect(await compareWithRedis(inputs)).toEqual([]);
  }, 60_000);

  it('rejects negative, oversized and malformed lengths like redis-server', async () => {
    const cases = [
      '*-5\r\n*1\r\n$4\r\nPING\r\n',
      '*2147483648\r\n',
      '*99999999999999999999\r\n',
      '*1\r\n$-2\r\n',
      '*1\r\n$629145600\r\n',
      '*1\r\n$536870913\r\n',
      '*1\r\n$9223372036854775808\r\n',
      '*1\r\n$ 3\r\nabc\r\n',
      '*1\r\n$3\r\nabcde\r\n',
      '*1x\r\n',
      '*\r\n',
      'PING "unterminated\r\n',
      '\r\n\r\nPING\r\n',
      'ECHO "\\x41\\x4"\r\n',
      `*1\r\n$${'9'.repeat(70_000)}`,
      `GET ${'k'.repeat(70_000)}`,
      'POST / HTTP/1.1\r\nHost: example\r\n\r\n',
    ].map((text) => Buffer.from(text, 'latin1'));
    expect(await compareWithRedis(cases)).toEqual([]);
    await stillServing(understudy.port);
  }, 60_000);

  it('applies the unauthenticated limits like redis-server when a password is required', async () => {
    const [securedRedis, securedOurs] = await Promise.all([startRedis(['--requirepass', 'pw']), startUnderstudy(['--requirepass', 'pw'])]);
    try {
      const cases = ['*11\r\n', '*10\r\n$16385\r\n', '*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*11\r\n', 'GET a\r\nAUTH pw\r\n*1\r\n$16385\r\n'];
      for (const text of cases) {
        const input = Buffer.from(text, 'latin1');
        const [theirs, ours] = await Promise.all([exchange(securedRedis.port, input), exchange(securedOurs.port, input)]);
        expect(ours, text).toEqual(theirs);
      }
    } finally {
      await Promise.all([securedRedis.stop(), securedOurs.stop()]);
    }
  }, 30_000);

  it('a client that sends half a command and disconnects leaves the server serving others', async () => {
    const clientLines = async (): Promise<string[]> => {
      const probe = await RawClient.connect(understudy.port);
      const list = await probe.call('CLIENT', 'LIST');
      probe.close();
      return list.split('\n').filter((line) => line.startsWith('id='));
    };
    const countClients = async (): Promise<number> => (await clientLines()).length;
    const before = await countClients();
    const halves: Socket[] = [];
    for (let i = 0; i < 20; i++) {
      const socket = connect({ port: understudy.port, host: '127.0.0.1' });
      socket.on('error', () => undefined);
      socket.write(`*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$100\r\n${'x'.repeat(i + 1)}`);
      halves.push(socket);
    }
    // Every half command is in the server's query buffers before the clients go.
    await eventually(async () => (await clientLines()).filter((line) => /\bqbuf=[1-9]/.test(line)).length >= halves.length, 'the half commands to be buffered');
    for (const socket of halves) socket.destroy();
    const deadline = Date.now() + 5000;
    while ((await countClients()) > before) {
      if (Date.now() > deadline) throw new Error('half-open clients were not freed');
    }
    await stillServing(understudy.port);
  });

  it('closes a client past client-query-buffer-limit without a reply, as Redis does', async () => {
    const limited = await startUnderstudy(['--client-query-buffer-limit', '1mb']);
    const limitedRedis = await startRedis(['--client-query-buffer-limit', '1mb']);
    try {
      const input = Buffer.concat([Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n'), Buffer.alloc(2 * 1024 * 1024, 0x61)]);
      const [theirs, ours] = await Promise.all([exchange(limitedRedis.port, input, 500), exchange(limited.port, input, 500)]);
      expect(ours).toEqual(theirs);
      expect(ours.closed).toBe(true);
      await stillServing(limited.port);
    } finally {
      await Promise.all([limited.stop(), limitedRedis.stop()]);
    }
  }, 30_000);
});

describe('connection limits', () => {
  it('bounds 10,000 simultaneous connections by maxclients with Redis error text', async () => {
    const bounded = await startUnderstudy(['--maxclients', '1000']);
    const sockets: Socket[] = [];
    try {
      const outcomes = await Promise.all(
        Array.from(
          { length: 10_000 },
          () =>
            new Promise<'accepted' | 'rejected' | 'failed'>((resolve) => {
              const socket = connect({ port: bounded.port, host: '127.0.0.1' });
              sockets.push(socket);
              let output = '';
              socket.on('error', () => resolve('failed'));
              socket.on('connect', () => socket.write('PING\r\n'));
              socket.on('data', (chunk: Buffer) => {
                output += chunk.toString();
                if (output === '+PONG\r\n') resolve('accepted');
                if (output === '-ERR max number of clients reached\r\n') resolve('rejected');
              });
              socket.on('close', () => resolve(output.startsWith('-ERR max number') ? 'rejected' : 'failed'));
            }),
        ),
      );
      const accepted = outcomes.filter((outcome) => outcome === 'accepted').length;
      const rejected = outcomes.filter((outcome) => outcome === 'rejected').length;
      expect(accepted).toBe(1000);
      expect(rejected).toBe(9000);
      for (const socket of sockets) socket.destroy();
      await stillServing(bounded.port);
    } finally {
      for (const socket of sockets) socket.destroy();
      await bounded.stop();
    }
  }, 120_000);

  it('refuses non-loopback clients in protected mode with no password', async () => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address !== undefined && address.family === 'IPv4' && !address.internal)?.address;
    if (external === undefined) return;
    const guarded = await startUnderstudy(['--bind', '127.0.0.1', external]);
    const open = await startUnderstudy(['--bind', '127.0.0.1', external, '--protected-mode', 'no']);
    try {
      const denied = await RawClient.connect(guarded.port, external);
      const text = await denied.closedByServer();
      expect(text).toMatch(/^-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user\./);
      const local = await RawClient.connect(guarded.port);
      expect(await local.call('PING')).toBe('+PONG\r\n');
      local.close();
      const allowed = await RawClient.connect(open.port, external);
      expect(await allowed.call('PING')).toBe('+PONG\r\n');
      allowed.close();
    } finally {
      await Promise.all([guarded.stop(), open.stop()]);
    }
  }, 30_000);
});
