import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, startUnderstudy, type RunningServer } from './test-support/processes.js';
import { RawClient } from './test-support/raw-client.js';

/**
 * Connection-level behaviour checked byte for byte against redis-server 7.0: RESP3 pushes,
 * CLIENT REPLY, HELLO options, RESET, subscribed-mode restrictions.
 */
let redis: RunningServer;
let understudy: RunningServer;

beforeAll(async () => {
  [redis, understudy] = await Promise.all([startRedis(), startUnderstudy()]);
}, 30_000);

afterAll(async () => {
  await Promise.all([redis?.stop(), understudy?.stop()]);
});

/** Runs the same conversation against both servers; returns both transcripts. */
async function conversation(script: (client: RawClient) => Promise<string[]>): Promise<[string[], string[]]> {
  const [theirs, ours] = await Promise.all([RawClient.connect(redis.port), RawClient.connect(understudy.port)]);
  try {
    return await Promise.all([script(theirs), script(ours)]);
  } finally {
    theirs.close();
    ours.close();
  }
}

/** Replies that embed client ids or addresses are normalised before comparing. */
function normalise(transcript: string[]): string[] {
  return transcript.map((reply) => reply.replace(/:\d+\r\n\$4\r\nmode/, ':ID\r\n$4\r\nmode'));
}

describe('connection behaviour matches redis-server', () => {
  it('subscribed RESP2 clients may only (un)subscribe, PING and QUIT', async () => {
    const [theirs, ours] = await conversation(async (client) => [
      await client.call('SUBSCRIBE', 'a'),
      await client.call('PING'),
      await client.call('PING', 'hello'),
      await client.call('GET', 'x'),
      await client.call('PSUBSCRIBE', 'a*'),
      await client.call('UNSUBSCRIBE'),
      await client.call('PUNSUBSCRIBE'),
      await client.call('UNSUBSCRIBE'),
      await client.call('GET', 'x'),
    ]);
    expect(ours).toEqual(theirs);
  });

  it('delivers RESP3 pushes and lets RESP3 subscribers run any command', async () => {
    const [theirs, ours] = await conversation(async (client) => [
      await client.call('HELLO', '3'),
      await client.call('SUBSCRIBE', 'news'),
      await client.call('PSUBSCRIBE', 'n*'),
      await client.call('GET', 'x'),
    ]);
    expect(normalise(ours)).toEqual(normalise(theirs));
    for (const server of [redis, understudy]) {
      const subscriber = await RawClient.connect(server.port);
      const publisher = await RawClient.connect(server.port);
      await subscriber.call('HELLO', '3');
      await subscriber.call('SUBSCRIBE', 'news');
      await subscriber.call('PSUBSCRIBE', 'n*');
      expect(await publisher.call('PUBLISH', 'news', 'hi')).toBe(':2\r\n');
      expect(await subscriber.reply()).toBe('>3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n');
      expect(await subscriber.reply()).toBe('>4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n');
      subscriber.close();
      publisher.close();
    }
  });

  it('honours CLIENT REPLY OFF, SKIP and ON', async () => {
    const [theirs, ours] = await conversation(async (client) => {
      client.send('CLIENT', 'REPLY', 'OFF');
      client.send('SET', 'k', '1');
      client.send('CLIENT', 'REPLY', 'ON');
      const on = await client.reply();
      client.send('CLIENT', 'REPLY', 'SKIP');
      client.send('GET', 'k');
      client.send('ECHO', 'visible');
      return [on, await client.reply()];
    });
    expect(ours).toEqual(theirs);
    expect(ours).toEqual(['+OK\r\n', '$7\r\nvisible\r\n']);
  });

  it('handles HELLO options and errors like Redis', async () => {
    const [theirs, ours] = await conversation(async (client) => [
      await client.call('HELLO', '2', 'SETNAME', 'bad name'),
      await client.call('HELLO', 'x'),
      await client.call('HELLO', '2', 'FOO'),
      await client.call('HELLO', '2', 'AUTH', 'default', 'nopass'),
      await client.call('HELLO', '2', 'SETNAME', 'ok'),
      await client.call('CLIENT', 'GETNAME'),
      await client.call('AUTH', 'x'),
      await client.call('AUTH', 'a', 'b', 'c'),
      await client.call('CLIENT', 'SETNAME', 'has space'),
      await client.call('CLIENT', 'NOSUCH'),
      await client.call('CLIENT', 'KILL', '1.2.3.4:5'),
      await client.call('CLIENT', 'KILL', 'ID', '0'),
      await client.call('CLIENT', 'KILL', 'TYPE', 'nope'),
      await client.call('CLIENT', 'PAUSE', '-1'),
      await client.call('CLIENT', 'PAUSE', '10', 'MAYBE'),
      await client.call('CONFIG', 'GET'),
      await client.call('CONFIG', 'SET', 'port'),
      await client.call('CONFIG', 'NOSUCH'),
      await client.call('MULTI'),
      await client.call('MULTI'),
      await client.call('WATCH', 'k'),
      await client.call('DISCARD'),
      await client.call('EXEC'),
      await client.call('DISCARD'),
      await client.call('SELECT', '99'),
      await client.call('SWAPDB', 'a', '1'),
      await client.call('ECHO'),
      await client.call('PING', 'a', 'b'),
      await client.call('COMMAND', 'GETKEYS', 'GET'),
      await client.call('COMMAND', 'GETKEYS', 'NOSUCH', 'a'),
      await client.call('COMMAND', 'GETKEYS', 'PING'),
      await client.call('COMMAND', 'GETKEYS', 'MSET', 'a', '1', 'b', '2'),
      await client.call('DEBUG', 'NOSUCH'),
      await client.call('OBJECT', 'FREQ', 'k'),
      await client.call('PUBSUB', 'NUMSUB', 'x', 'y'),
      await client.call('PUBSUB', 'NUMPAT'),
      await client.call('PUBSUB', 'CHANNELS'),
      await client.call('PUBSUB', 'NOSUCH'),
      await client.call('TIME', 'extra'),
      await client.call('SHUTDOWN', 'ABORT'),
      await client.call('SHUTDOWN', 'SAVE', 'NOSAVE'),
      await client.call('INFO', 'nosuchsection'),
      await client.call('RESET'),
    ]);
    expect(normalise(ours)).toEqual(normalise(theirs));
  });
});

describe('process-level behaviour', () => {
  it('serves a unix socket with the configured permissions', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'understudy-socket-'));
    const path = join(directory, 'understudy.sock');
    const server = await startUnderstudy(['--unixsocket', path, '--unixsocketperm', '700']);
    try {
      const client = await RawClient.connectPath(path);
      expect(await client.call('PING')).toBe('+PONG\r\n');
      expect(await client.call('CLIENT', 'INFO')).toMatch(/flags=U /);
      client.close();
    } finally {
      await server.stop();
    }
    expect(existsSync(path)).toBe(false);
  });

  it('closes idle clients after timeout seconds, but not subscribers', async () => {
    const server = await startUnderstudy(['--timeout', '1']);
    try {
      const idle = await RawClient.connect(server.port);
      const subscriber = await RawClient.connect(server.port);
      await subscriber.call('SUBSCRIBE', 'c');
      await idle.closedByServer(5000);
      expect(subscriber.closed).toBe(false);
      subscriber.close();
    } finally {
      await server.stop();
    }
  });

  it('stops on SHUTDOWN, closing the connection without a reply', async () => {
    const server = await startUnderstudy();
    const client = await RawClient.connect(server.port);
    client.send('SHUTDOWN', 'NOSAVE');
    expect(await client.closedByServer()).toBe('');
    const code = await new Promise<number | null>((resolve) => {
      if (server.process.exitCode !== null) resolve(server.process.exitCode);
      else server.process.once('exit', (exitCode) => resolve(exitCode));
    });
    expect(code).toBe(0);
  });

  it('closes a subscriber that exceeds the pubsub output buffer hard limit', async () => {
    const server = await startUnderstudy(['--client-output-buffer-limit', 'pubsub 1mb 0 0']);
    try {
      const subscriber = await RawClient.connect(server.port);
      await subscriber.call('SUBSCRIBE', 'flood');
      subscriber.pause();
      const publisher = await RawClient.connect(server.port);
      const payload = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 200 && !subscriber.closed; i++) await publisher.call('PUBLISH', 'flood', payload);
      subscriber.resume();
      await subscriber.closedByServer(10_000);
      expect(server.output()).toContain('Client scheduled to be closed ASAP for overcoming of output buffer limits.');
      publisher.close();
    } finally {
      await server.stop();
    }
  });
});
