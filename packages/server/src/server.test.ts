import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUnderstudy, type RunningServer } from './test-support/processes.js';
import { eventually, parseInfo } from './test-support/index.js';
import { RawClient } from './test-support/raw-client.js';

let server: RunningServer;
let redis: Redis;

beforeAll(async () => {
  server = await startUnderstudy();
  redis = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  await redis.connect();
}, 30_000);

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

async function client(): Promise<Redis> {
  const connection = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  await connection.connect();
  return connection;
}

describe('understudy-server with ioredis', () => {
  it('stores and returns binary-safe keys and values', async () => {
    const key = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x80]);
    const value = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await redis.set(key, value);
    expect(await redis.getBuffer(key)).toEqual(value);
    await redis.hset('h', key, value);
    expect(await redis.hgetBuffer('h', key)).toEqual(value);
    expect((await redis.keysBuffer('*')).some((k) => k.equals(key))).toBe(true);
  });

  it('answers a pipeline of 100,000 commands in order', async () => {
    const pipeline = redis.pipeline();
    for (let i = 0; i < 50_000; i++) {
      pipeline.set(`p:${i}`, String(i));
      pipeline.get(`p:${i}`);
    }
    const results = await pipeline.exec();
    expect(results).toHaveLength(100_000);
    for (let i = 0; i < 50_000; i++) {
      expect(results![2 * i]).toEqual([null, 'OK']);
      expect(results![2 * i + 1]).toEqual([null, String(i)]);
    }
  }, 60_000);

  it('runs MULTI/EXEC atomically and aborts it when a watched key changes', async () => {
    const other = await client();
    await redis.set('balance', '10');
    await redis.watch('balance');
    await other.incr('balance');
    const aborted = await redis.multi().decrby('balance', 5).exec();
    expect(aborted).toBeNull();
    await redis.watch('balance');
    const done = await redis.multi().decrby('balance', 5).get('balance').exec();
    expect(done).toEqual([[null, 6], [null, '6']]);
    other.disconnect();
  });

  it('answers EXECABORT after a queueing error', async () => {
    const raw = await RawClient.connect(server.port);
    expect(await raw.call('MULTI')).toBe('+OK\r\n');
    expect(await raw.call('SET', 'k')).toBe("-ERR wrong number of arguments for 'set' command\r\n");
    expect(await raw.call('EXEC')).toBe('-EXECABORT Transaction discarded because of previous errors.\r\n');
    raw.close();
  });

  it('delivers pub/sub messages to channel and pattern subscribers', async () => {
    const subscriber = await client();
    const received: string[] = [];
    subscriber.on('message', (channel: string, message: string) => received.push(`${channel}:${message}`));
    subscriber.on('pmessage', (pattern: string, channel: string, message: string) => received.push(`${pattern}|${channel}:${message}`));
    await subscriber.subscribe('news');
    await subscriber.psubscribe('n*');
    expect(await redis.publish('news', 'hello')).toBe(2);
    await eventually(async () => received.length === 2, 'both messages');
    expect(received.sort()).toEqual(['n*|news:hello', 'news:hello']);
    subscriber.disconnect();
  });

  it('serves a blocked BLPOP when another client pushes, and times out otherwise', async () => {
    const blocked = await client();
    const waiting = blocked.blpop('queue', 0);
    await eventually(async () => (await redis.info('clients')).includes('blocked_clients:1'), 'the client to block');
    await redis.rpush('queue', 'job');
    expect(await waiting).toEqual(['queue', 'job']);
    const started = Date.now();
    expect(await blocked.blpop('empty', 0.2)).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    blocked.disconnect();
  });

  it('moves elements with BLMOVE once the source exists', async () => {
    const blocked = await client();
    const waiting = blocked.blmove('src', 'dst', 'LEFT', 'RIGHT', 0);
    await eventually(async () => (await redis.info('clients')).includes('blocked_clients:1'), 'the client to block');
    await redis.lpush('src', 'a');
    expect(await waiting).toBe('a');
    expect(await redis.lrange('dst', 0, -1)).toEqual(['a']);
    blocked.disconnect();
  });

  it('names, lists and kills clients', async () => {
    const victim = await client();
    await victim.client('SETNAME', 'victim');
    const list = (await redis.client('LIST')) as string;
    const line = list.split('\n').find((entry) => entry.includes('name=victim'))!;
    expect(line).toMatch(/^id=\d+ addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:\d+ fd=\d+ name=victim age=\d+ idle=\d+ flags=N db=0 /);
    const id = /^id=(\d+)/.exec(line)![1];
    expect(await redis.client('KILL', 'ID', id)).toBe(1);
    await eventually(async () => !((await redis.client('LIST')) as string).includes('name=victim'), 'the victim to be killed');
    victim.disconnect();
  });

  it('reads and changes configuration at run time', async () => {
    expect(await redis.config('GET', 'hash-max-*-entries')).toEqual(
      expect.arrayContaining(['hash-max-listpack-entries', '512', 'hash-max-ziplist-entries', '512']),
    );
    await redis.config('SET', 'hash-max-listpack-entries', '2');
    await redis.hset('small', 'a', '1', 'b', '2', 'c', '3');
    expect(await redis.object('ENCODING', 'small')).toBe('hashtable');
    await redis.config('SET', 'hash-max-listpack-entries', '512');
    await expect(redis.config('SET', 'hz', 'abc')).rejects.toThrow("CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer");
    await expect(redis.config('SET', 'nosuch', '1')).rejects.toThrow("Unknown option or number of arguments for CONFIG SET - 'nosuch'");
  });

  it('reports INFO sections with Redis field names', async () => {
    const info = await redis.info();
    for (const field of ['redis_version:7.0.15', 'connected_clients:', 'used_memory:', 'total_commands_processed:', 'role:master', 'loading:0']) {
      expect(info).toContain(field);
    }
    expect(await redis.info('keyspace')).toMatch(/# Keyspace\r\ndb0:keys=\d+,expires=\d+,avg_ttl=0/);
    expect(await redis.info('commandstats')).toMatch(/cmdstat_set:calls=\d+,usec=\d+,usec_per_call=[\d.]+,rejected_calls=\d+,failed_calls=\d+/);
  });

  it('counts long string values, kept outside the JavaScript heap, in used_memory', async () => {
    const connection = await client();
    try {
      await connection.select(7);
      const memory = async (field: string): Promise<number> => Number(parseInfo(await connection.info('memory')).get(field));
      const before = await memory('used_memory');
      const slabsBefore = await memory('used_memory_slabs');
      const pipeline = connection.pipeline();
      for (let i = 0; i < 40_000; i++) pipeline.set(`long:${i}`, 'v'.repeat(1000));
      await pipeline.exec();
      // 40 MB of values; heap churn moves the figure by a few MB either way.
      expect((await memory('used_memory')) - before).toBeGreaterThan(30_000_000);
      const slabs = await memory('used_memory_slabs');
      expect(slabs - slabsBefore).toBeGreaterThanOrEqual(40_000_000);
      expect(await memory('used_memory_slabs_reserved')).toBeGreaterThanOrEqual(slabs);
      // FLUSHDB drops the database with its slab.
      await connection.flushdb();
      expect(await memory('used_memory_slabs')).toBe(slabsBefore);
    } finally {
      connection.disconnect();
    }
  });

  it('speaks RESP3 after HELLO 3', async () => {
    const raw = await RawClient.connect(server.port);
    const hello = await raw.call('HELLO', '3');
    expect(hello).toMatch(/^%7\r\n\$6\r\nserver\r\n\$5\r\nredis\r\n\$7\r\nversion\r\n\$6\r\n7\.0\.15\r\n\$5\r\nproto\r\n:3\r\n\$2\r\nid\r\n:\d+\r\n\$4\r\nmode\r\n\$10\r\nstandalone\r\n\$4\r\nrole\r\n\$6\r\nmaster\r\n\$7\r\nmodules\r\n\*0\r\n$/);
    expect(await raw.call('GET', 'nothing-here')).toBe('_\r\n');
    await raw.call('ZADD', 'r3', '1.5', 'a');
    expect(await raw.call('ZSCORE', 'r3', 'a')).toBe(',1.5\r\n');
    expect(await raw.call('HGETALL', 'nothing-here')).toBe('%0\r\n');
    expect(await raw.call('HELLO', '4')).toBe('-NOPROTO unsupported protocol version\r\n');
    raw.close();
  });

  it('lets MONITOR watch commands from other clients', async () => {
    const watcher = await RawClient.connect(server.port);
    expect(await watcher.call('MONITOR')).toBe('+OK\r\n');
    await redis.set('watched key', 'a\nb');
    const line = await watcher.reply();
    expect(line).toMatch(/^\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "set" "watched key" "a\\nb"\r\n$/);
    watcher.close();
  });

  it('holds writers during CLIENT PAUSE WRITE while readers go on, and resumes them', async () => {
    const writer = await client();
    await redis.client('PAUSE', '60000', 'WRITE');
    let written = false;
    const write = writer.set('after-pause', '1').then(() => (written = true));
    expect(await redis.get('balance')).toBe('6');
    await eventually(async () => (await redis.info('clients')).includes('blocked_clients:1'), 'the client to block');
    expect(written).toBe(false);
    await redis.client('UNPAUSE');
    await write;
    expect(await redis.get('after-pause')).toBe('1');
    writer.disconnect();
  });

  it('expires keys lazily and in the background', async () => {
    await redis.set('short', 'x', 'PX', 50);
    await redis.set('short2', 'x', 'PX', 50);
    await eventually(async () => (await redis.info('keyspace')).includes('expires=') && (await redis.exists('short')) === 0, 'the short key to expire');
    await eventually(async () => !(await redis.info('keyspace')).match(/expires=[1-9]/), 'no keys with an expiry left');
  });
});

describe('authentication', () => {
  let secured: RunningServer;

  beforeAll(async () => {
    secured = await startUnderstudy(['--requirepass', 's3cret']);
  });

  afterAll(async () => {
    await secured?.stop();
  });

  it('requires AUTH and applies the unauthenticated protocol limits', async () => {
    const raw = await RawClient.connect(secured.port);
    expect(await raw.call('GET', 'a')).toBe('-NOAUTH Authentication required.\r\n');
    expect(await raw.call('GET')).toBe("-ERR wrong number of arguments for 'get' command\r\n");
    expect(await raw.call('AUTH', 'wrong')).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    expect(await raw.call('AUTH', 'default', 's3cret')).toBe('+OK\r\n');
    expect(await raw.call('GET', 'a')).toBe('$-1\r\n');
    raw.close();
    const unauthenticated = await RawClient.connect(secured.port);
    unauthenticated.write('*11\r\n');
    expect(await unauthenticated.closedByServer()).toBe('-ERR Protocol error: unauthenticated multibulk length\r\n');
  });
});
