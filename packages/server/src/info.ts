import { freemem, totalmem } from 'node:os';
import type { Server } from './server.js';
import { commandUsec } from './stats.js';

export type InfoFields = readonly (readonly [string, string | number])[];

/** A section of INFO: its title and a function producing its fields when asked. */
export interface InfoSection {
  title: string;
  /** Part of plain INFO (and of "default"); commandstats is not. */
  inDefault: boolean;
  fields(server: Server): InfoFields;
}

const MB = 1024 * 1024;

/** Redis's bytesToHuman: 1.50K, 2.00M ... */
export function humanBytes(bytes: number): string {
  const units = ['B', 'K', 'M', 'G', 'T', 'P'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes}B` : `${value.toFixed(2)}${units[unit]}`;
}

function serverSection(server: Server): InfoFields {
  const now = Date.now();
  const uptime = Math.floor((now - server.startedAt) / 1000);
  return [
    ['redis_version', server.version],
    ['redis_mode', 'standalone'],
    ['understudy_version', server.ownVersion],
    ['os', `${process.platform} ${process.arch}`],
    ['arch_bits', process.arch.includes('64') ? 64 : 32],
    ['multiplexing_api', 'libuv'],
    ['node_version', process.versions.node],
    ['process_id', process.pid],
    ['run_id', server.runId],
    ['tcp_port', server.config.get('port')],
    ['server_time_usec', now * 1000],
    ['uptime_in_seconds', uptime],
    ['uptime_in_days', Math.floor(uptime / 86400)],
    ['hz', server.config.get('hz')],
    ['configured_hz', server.config.get('hz')],
    ['lru_clock', server.keyspace.lruClock & 0xffffff],
    ['executable', process.argv[1] ?? ''],
    ['config_file', server.config.file ?? ''],
  ];
}

function clientsSection(server: Server): InfoFields {
  let pubsub = 0;
  let paused = 0;
  for (const client of server.clients.values()) {
    if (client.subscriptionCount > 0) pubsub++;
    if (client.paused !== null) paused++;
  }
  return [
    ['connected_clients', server.clients.size],
    ['maxclients', server.config.get('maxclients')],
    // Like Redis, clients held by CLIENT PAUSE count as blocked.
    ['blocked_clients', server.blocking.count + paused],
    ['pubsub_clients', pubsub],
    ['watching_clients', [...server.clients.values()].filter((client) => client.watched.length > 0).length],
  ];
}

function memorySection(server: Server): InfoFields {
  const usage = process.memoryUsage();
  const used = server.usedMemory(usage);
  const slabs = server.keyspace.slabBytes();
  server.memoryPeak = Math.max(server.memoryPeak, used);
  const total = totalmem();
  return [
    ['used_memory', used],
    ['used_memory_human', humanBytes(used)],
    ['used_memory_rss', usage.rss],
    ['used_memory_rss_human', humanBytes(usage.rss)],
    ['used_memory_peak', server.memoryPeak],
    ['used_memory_peak_human', humanBytes(server.memoryPeak)],
    ['used_memory_heap_total', usage.heapTotal],
    ['used_memory_external', usage.external],
    ['used_memory_slabs', slabs.used],
    ['used_memory_slabs_reserved', slabs.reserved],
    ['total_system_memory', total],
    ['total_system_memory_human', humanBytes(total)],
    ['free_system_memory', freemem()],
    ['maxmemory', 0],
    ['maxmemory_human', '0B'],
    ['maxmemory_policy', 'noeviction'],
    ['mem_fragmentation_ratio', used > 0 ? (usage.rss / used).toFixed(2) : '0.00'],
    ['mem_allocator', `v8-${process.versions.v8}`],
    ['mem_heap_limit_mb', Math.round(server.heapLimit / MB)],
  ];
}

function statsSection(server: Server): InfoFields {
  const stats = server.stats;
  const keyspace = server.keyspace.stats;
  let errors = 0;
  for (const count of stats.errors.values()) errors += count;
  return [
    ['total_connections_received', stats.connectionsReceived],
    ['total_commands_processed', stats.commandsProcessed],
    ['instantaneous_ops_per_sec', stats.opsPerSecond],
    ['total_net_input_bytes', stats.netInputBytes],
    ['total_net_output_bytes', stats.netOutputBytes],
    ['rejected_connections', stats.rejectedConnections],
    ['expired_keys', keyspace.expiredKeys],
    ['evicted_keys', 0],
    ['keyspace_hits', keyspace.keyspaceHits],
    ['keyspace_misses', keyspace.keyspaceMisses],
    ['pubsub_channels', server.pubsub.channels.size],
    ['pubsub_patterns', server.pubsub.patterns.size],
    ['total_forks', 0],
    ['total_error_replies', errors],
    ['total_reads_processed', stats.readsProcessed],
    ['total_writes_processed', stats.writesProcessed],
  ];
}

function cpuSection(): InfoFields {
  const usage = process.cpuUsage();
  const seconds = (micros: number): string => (micros / 1e6).toFixed(6);
  return [
    ['used_cpu_sys', seconds(usage.system)],
    ['used_cpu_user', seconds(usage.user)],
    ['used_cpu_sys_children', '0.000000'],
    ['used_cpu_user_children', '0.000000'],
    ['used_cpu_sys_main_thread', seconds(usage.system)],
    ['used_cpu_user_main_thread', seconds(usage.user)],
  ];
}

function errorSection(server: Server): InfoFields {
  return [...server.stats.errors].map(([code, count]) => [`errorstat_${code}`, `count=${count}`] as const);
}

function commandSection(server: Server): InfoFields {
  return [...server.stats.commands]
    .filter(([, stats]) => stats.calls > 0 || stats.rejectedCalls > 0 || stats.failedCalls > 0)
    .map(([spec, stats]) => {
      const usec = commandUsec(stats);
      return [
        `cmdstat_${spec.fullName}`,
        `calls=${stats.calls},usec=${usec},usec_per_call=${(stats.calls === 0 ? 0 : usec / stats.calls).toFixed(2)},rejected_calls=${stats.rejectedCalls},failed_calls=${stats.failedCalls}`,
      ] as const;
    });
}

function keyspaceSection(server: Server): InfoFields {
  const fields: [string, string][] = [];
  server.keyspace.databases.forEach((db, index) => {
    if (db.size === 0) return;
    fields.push([`db${index}`, `keys=${db.size},expires=${db.volatileCount},avg_ttl=0`]);
  });
  return fields;
}

/** Sections in the order INFO prints them; replication comes with a later issue. */
export function defaultInfoSections(): Map<string, InfoSection> {
  return new Map<string, InfoSection>([
    ['server', { title: 'Server', inDefault: true, fields: serverSection }],
    ['clients', { title: 'Clients', inDefault: true, fields: clientsSection }],
    ['memory', { title: 'Memory', inDefault: true, fields: memorySection }],
    ['persistence', { title: 'Persistence', inDefault: true, fields: (server) => server.persistence.info() }],
    ['stats', { title: 'Stats', inDefault: true, fields: statsSection }],
    ['replication', { title: 'Replication', inDefault: true, fields: () => [['role', 'master'], ['connected_slaves', 0]] }],
    ['cpu', { title: 'CPU', inDefault: true, fields: cpuSection }],
    ['modules', { title: 'Modules', inDefault: true, fields: () => [] }],
    ['errorstats', { title: 'Errorstats', inDefault: true, fields: errorSection }],
    ['cluster', { title: 'Cluster', inDefault: true, fields: () => [['cluster_enabled', 0]] }],
    ['keyspace', { title: 'Keyspace', inDefault: true, fields: keyspaceSection }],
    ['commandstats', { title: 'Commandstats', inDefault: false, fields: commandSection }],
  ]);
}

/**
 * The text of INFO [section ...]: no argument or "default" gives the default sections, "all"
 * and "everything" every section; unknown names contribute nothing.
 */
export function infoText(server: Server, requested: readonly string[]): string {
  const names = requested.map((name) => name.toLowerCase());
  const all = names.includes('all') || names.includes('everything');
  const wantDefault = names.length === 0 || names.includes('default');
  const parts: string[] = [];
  for (const [name, section] of server.infoSections) {
    if (!(all || (wantDefault && section.inDefault) || names.includes(name))) continue;
    let text = `# ${section.title}\r\n`;
    for (const [key, value] of section.fields(server)) text += `${key}:${value}\r\n`;
    parts.push(text);
  }
  return parts.join('\r\n');
}
