import { ServerConfig, Server } from './packages/server/dist/index.js';
import { pino } from 'pino';
import { Client } from './packages/server/dist/client.js';
import { EventEmitter } from 'node:events';
const config = new ServerConfig();
const server = new Server(config, pino({ level: 'silent' }));
class FakeSocket extends EventEmitter { remoteAddress = '127.0.0.1'; remotePort = 1; localAddress='127.0.0.1'; localPort=2; writableLength = 0; written = 0; write(b) { this.written += b.length; return true; } setKeepAlive(){} end(){} destroy(){} }
const socket = new FakeSocket();
const client = new Client(server, socket, 1, '127.0.0.1:1', '127.0.0.1:2');
server.clients.set(1, client);
for (const cmd of ['SET', 'LPUSH', 'GET']) {
let wire = '';
for (let i = 0; i < 32; i++) wire += cmd === 'SET' ? `*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nxxx\r\n` : cmd === 'GET' ? `*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n` : `*3\r\n$5\r\nLPUSH\r\n$6\r\nmylist\r\n$3\r\nxxx\r\n*2\r\n$4\r\nRPOP\r\n$6\r\nmylist\r\n`;
const chunk = Buffer.from(wire);
const batches = 300000;
const t = process.hrtime.bigint();
for (let b = 0; b < batches; b++) { client.parser.append(chunk); server.processInput(client); server.flush(client); }
const s = Number(process.hrtime.bigint() - t) / 1e9;
console.log(`${(batches*32/s/1e6).toFixed(2)} M ${cmd}/s in-process`);
}
process.exit(0);
