import { RequestParser } from '@understudy/protocol';
import RedisParser from 'redis-parser';
import { printTable } from './table.js';

/**
 * Request framing speed: our RequestParser against redis-parser (the stack's default) on the
 * same pipelined SET traffic in 64 KiB reads. redis-parser is given the job as a client would
 * use it for requests: Buffers out (binary-safe), then latin1 strings as the keyspace stores
 * them.
 */
export function parser(): void {
  const commands = 2000;
  let wire = '';
  for (let i = 0; i < commands; i++) {
    const key = `key:${String(i).padStart(12, '0')}`;
    wire += `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$3\r\nxyz\r\n`;
  }
  const bytes = Buffer.from(wire, 'latin1');
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += 65536) chunks.push(bytes.subarray(at, at + 65536));
  const repeats = 400;

  const ours = (): number => {
    const framer = new RequestParser();
    let args = 0;
    for (let r = 0; r < repeats; r++) {
      for (const chunk of chunks) {
        framer.append(chunk);
        for (let argv = framer.next(); argv !== null; argv = framer.next()) args += argv.length;
      }
    }
    return args;
  };
  const theirs = (): number => {
    let args = 0;
    const framer = new RedisParser({
      returnBuffers: true,
      returnReply: (reply: Buffer[]) => {
        for (const arg of reply) if (arg.toString('latin1').length >= 0) args++;
      },
      returnError: () => undefined,
      returnFatalError: (error: Error) => {
        throw error;
      },
    });
    for (let r = 0; r < repeats; r++) for (const chunk of chunks) framer.execute(chunk);
    return args;
  };

  const measure = (fn: () => number): number => {
    fn();
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = process.hrtime.bigint();
      fn();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      samples.push((commands * repeats) / seconds);
    }
    return samples.sort((a, b) => a - b)[2];
  };
  const oursRate = measure(ours);
  const theirsRate = measure(theirs);
  console.log('Request framing, pipelined SET key value in 64 KiB reads (median of 5)');
  printTable(
    ['parser', 'commands/s', 'relative'],
    [
      ['@understudy/protocol RequestParser', oursRate.toFixed(0), '1.00x'],
      ['redis-parser (Buffers, then latin1)', theirsRate.toFixed(0), `${(theirsRate / oursRate).toFixed(2)}x`],
    ],
  );
}
