import { globMatch } from '@understudy/engine';
import type { Client } from './client.js';

/**
 * Channel and pattern subscriptions. Messages are pushes: RESP3 clients get the '>' type,
 * RESP2 clients an ordinary array, exactly as redis-server sends them.
 */
export class PubSub {
  readonly channels = new Map<string, Set<Client>>();
  readonly patterns = new Map<string, Set<Client>>();

  subscribe(client: Client, channel: string): void {
    if (!client.channels.has(channel)) {
      client.channels.add(channel);
      addTo(this.channels, channel, client);
    }
    this.confirm(client, 'subscribe', channel);
  }

  unsubscribe(client: Client, channel: string, notify: boolean): void {
    if (client.channels.delete(channel)) removeFrom(this.channels, channel, client);
    if (notify) this.confirm(client, 'unsubscribe', channel);
  }

  psubscribe(client: Client, pattern: string): void {
    if (!client.patterns.has(pattern)) {
      client.patterns.add(pattern);
      addTo(this.patterns, pattern, client);
    }
    this.confirm(client, 'psubscribe', pattern);
  }

  punsubscribe(client: Client, pattern: string, notify: boolean): void {
    if (client.patterns.delete(pattern)) removeFrom(this.patterns, pattern, client);
    if (notify) this.confirm(client, 'punsubscribe', pattern);
  }

  /** UNSUBSCRIBE with no arguments: every channel, or one null confirmation when none. */
  unsubscribeAll(client: Client, notify: boolean): void {
    if (client.channels.size === 0) {
      if (notify) this.confirm(client, 'unsubscribe', null);
      return;
    }
    for (const channel of [...client.channels]) this.unsubscribe(client, channel, notify);
  }

  punsubscribeAll(client: Client, notify: boolean): void {
    if (client.patterns.size === 0) {
      if (notify) this.confirm(client, 'punsubscribe', null);
      return;
    }
    for (const pattern of [...client.patterns]) this.punsubscribe(client, pattern, notify);
  }

  /** Delivers a message; returns the number of clients that received it. */
  publish(channel: string, message: string, deliver: (client: Client) => void): number {
    let receivers = 0;
    const subscribers = this.channels.get(channel);
    if (subscribers !== undefined) {
      for (const client of subscribers) {
        client.reply.push(3);
        client.reply.bulk('message');
        client.reply.bulk(channel);
        client.reply.bulk(message);
        deliver(client);
        receivers++;
      }
    }
    for (const [pattern, clients] of this.patterns) {
      if (!globMatch(pattern, channel)) continue;
      for (const client of clients) {
        client.reply.push(4);
        client.reply.bulk('pmessage');
        client.reply.bulk(pattern);
        client.reply.bulk(channel);
        client.reply.bulk(message);
        deliver(client);
        receivers++;
      }
    }
    return receivers;
  }

  /** Drops every subscription of a disconnecting client. */
  forget(client: Client): void {
    this.unsubscribeAll(client, false);
    this.punsubscribeAll(client, false);
  }

  private confirm(client: Client, kind: string, name: string | null): void {
    client.reply.push(3);
    client.reply.bulk(kind);
    if (name === null) client.reply.nil();
    else client.reply.bulk(name);
    client.reply.integer(client.subscriptionCount);
  }
}

function addTo(index: Map<string, Set<Client>>, name: string, client: Client): void {
  const clients = index.get(name);
  if (clients === undefined) index.set(name, new Set([client]));
  else clients.add(client);
}

function removeFrom(index: Map<string, Set<Client>>, name: string, client: Client): void {
  const clients = index.get(name);
  if (clients === undefined) return;
  clients.delete(client);
  if (clients.size === 0) index.delete(name);
}
