#!/usr/bin/env node
// `npm run bench:scale`: what a crowded LAN costs. The protocol connects every pair of peers, so
// the work grows with the square of the hosts. For each host count, on one LAN rig, one real
// `fileshare-agent run --json --accept none` per host; it reports
//
//   - time to full mesh: from the first agent's process start, and from the last agent's `ready`,
//     to the moment every agent had reported `peer-state connected` for every other agent;
//   - once meshed (after a short settle), over an idle window: per node CPU % of one core
//     (utime+stime from /proc/<pid>/stat), resident memory, threads and open file descriptors
//     (/proc/<pid>/status, /proc/<pid>/fd), median and max over the nodes;
//   - packets per second on the link, split into mDNS (UDP 5353), signaling (TCP to or from the
//     agents' port) and WebRTC (all other UDP), from nft counters in every host's namespace:
//     "sent" sums what every node put on the link (a multicast packet counts once), "per node"
//     is what one node sent plus received.
//
// Where the rig itself stops (the LAN's host limit, agents that do not start or do not mesh in
// time on this machine), the row says so and the next count runs. Every wait is bounded (the
// *_MS constants below); agents, namespaces and state folders are removed on every way out,
// Ctrl-C included.
//
// Needs root (network namespaces) and built packages (`npx nx run-many -t build`). The numbers
// only mean something on an otherwise idle machine.
//   npm run bench:scale -- [--hosts 12,24,48] [--idle 30] [--settle 5] [--mesh-timeout 120]
//                          [--port 47000] [--json out.json]
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLan } from '../lan/dist/index.js';
import { exitUnlessRigAvailable } from './rig-support.mjs';
import { medianMax, processReadings, RunAgent, sleep, workFolder } from './agent-fleet.mjs';

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '12,24,48' },
    idle: { type: 'string', default: '30' },
    settle: { type: 'string', default: '5' },
    'mesh-timeout': { type: 'string', default: '120' },
    port: { type: 'string', default: '47000' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log('usage: npm run bench:scale -- [--hosts 12,24,48] [--idle SECONDS] [--settle SECONDS] [--mesh-timeout SECONDS] [--port N] [--json FILE]');
  process.exit(0);
}
const hostCounts = values.hosts.split(',').map(Number);
const idleMs = Number(values.idle) * 1000;
const settleMs = Number(values.settle) * 1000;
/** Longest wait for the full mesh, from the first start; past it the row reports how far it got. */
const MESH_TIMEOUT_MS = Number(values['mesh-timeout']) * 1000;
const port = Number(values.port);
if (hostCounts.some((n) => !Number.isInteger(n) || n < 2)) throw new Error('--hosts takes counts of 2 or more, e.g. 12,24,48');
if (!(idleMs > 0 && settleMs >= 0 && MESH_TIMEOUT_MS > 0 && Number.isInteger(port) && port > 0 && port < 65536)) {
  throw new Error('--idle and --mesh-timeout must be positive, --settle 0 or more, --port 1-65535');
}

/** Longest wait for every agent's `ready` (process start, key, sockets), from the first start. */
const READY_TIMEOUT_MS = 60_000;
/** How often the mesh is checked; the time reported comes from the events, not from this. */
const MESH_POLL_MS = 100;
/** Resident memory, threads and descriptors are also read this often during the idle window (max kept). */
const IDLE_SAMPLE_MS = 5_000;
/** Upper bound for one nft call in a host namespace. */
const NFT_TIMEOUT_MS = 10_000;

const COUNTER_TABLE = 'fileshare_bench';
const KINDS = ['mdns', 'signaling', 'webrtc', 'other'];

exitUnlessRigAvailable();

/**
 * Named nft counters on the host's link, one per kind and direction. Its own table, so the rig's
 * fault table (loss, multicast block) is left alone; the first matching rule counts a packet.
 */
function counterRuleset() {
  const rules = (dir, suffix) => [
    `${dir} "eth0" udp dport 5353 counter name "mdns_${suffix}" accept`,
    `${dir} "eth0" udp sport 5353 counter name "mdns_${suffix}" accept`,
    `${dir} "eth0" tcp dport ${port} counter name "signaling_${suffix}" accept`,
    `${dir} "eth0" tcp sport ${port} counter name "signaling_${suffix}" accept`,
    `${dir} "eth0" meta l4proto udp counter name "webrtc_${suffix}" accept`,
    `${dir} "eth0" counter name "other_${suffix}"`,
  ];
  const counters = KINDS.flatMap((k) => [`  counter ${k}_tx {}`, `  counter ${k}_rx {}`]);
  return [
    `table inet ${COUNTER_TABLE} {`,
    ...counters,
    '  chain count_out {',
    '    type filter hook output priority 0; policy accept;',
    ...rules('oifname', 'tx').map((r) => `    ${r}`),
    '  }',
    '  chain count_in {',
    '    type filter hook input priority 0; policy accept;',
    ...rules('iifname', 'rx').map((r) => `    ${r}`),
    '  }',
    '}',
    '',
  ].join('\n');
}

async function nft(host, args) {
  const result = await host.exec('nft', args, { timeoutMs: NFT_TIMEOUT_MS });
  if (result.code !== 0) throw new Error(`nft ${args.join(' ')} in ${host.netns} failed (${result.code}): ${result.stderr.trim()}`);
  return result.stdout;
}

/** Packets and bytes per counter name, summed over the hosts. */
async function readCounters(hosts) {
  const total = {};
  const perHost = await Promise.all(hosts.map((h) => nft(h, ['-j', 'list', 'counters', 'table', 'inet', COUNTER_TABLE])));
  for (const out of perHost) {
    for (const item of JSON.parse(out).nftables) {
      if (!item.counter) continue;
      const t = (total[item.counter.name] ??= { packets: 0, bytes: 0 });
      t.packets += item.counter.packets;
      t.bytes += item.counter.bytes;
    }
  }
  return total;
}

/** Per kind: packets/s all nodes sent, and packets/s one node sent + received; bytes/s sent. */
function packetRates(before, after, seconds, hostCount) {
  const rates = {};
  for (const k of KINDS) {
    const d = (name, field) => (after[name]?.[field] ?? 0) - (before[name]?.[field] ?? 0);
    rates[k] = {
      sentPerSecond: d(`${k}_tx`, 'packets') / seconds,
      perNodePerSecond: (d(`${k}_tx`, 'packets') + d(`${k}_rx`, 'packets')) / seconds / hostCount,
      sentBytesPerSecond: d(`${k}_tx`, 'bytes') / seconds,
    };
  }
  return rates;
}

/**
 * Waits until every agent has reported `connected` for every other one (at least once). Resolves
 * with the latest of those first-connected times, or with how far it got when the time is up or an
 * agent died.
 */
async function waitForMesh(agents, ids, deadline) {
  const firstConnected = () =>
    agents.map((a) => {
      const seen = new Map();
      for (const e of a.events) if (e.event === 'peer-state' && e.state === 'connected' && !seen.has(e.peerId)) seen.set(e.peerId, e.at);
      return seen;
    });
  const wanted = agents.length * (agents.length - 1);
  for (;;) {
    const seen = firstConnected();
    const pairs = seen.map((m, i) => ids.filter((id, j) => j !== i && m.has(id)).map((id) => m.get(id)));
    const connected = pairs.reduce((n, p) => n + p.length, 0);
    if (connected === wanted) return { meshAt: Math.max(...pairs.flat()), connected, wanted };
    const dead = agents.filter((a) => !a.running);
    if (dead.length > 0) return { connected, wanted, reason: `${dead.length} agent(s) exited while meshing (${dead[0].label}: ${dead[0].exitCode ?? dead[0].exitSignal} ${dead[0].lastStderr()})` };
    if (performance.now() > deadline) return { connected, wanted, reason: `no full mesh within ${MESH_TIMEOUT_MS / 1000} s` };
    await sleep(MESH_POLL_MS);
  }
}

/** Readings of every agent at once; the max of RSS/threads/fds is also kept across calls in `peaks`. */
async function readAll(agents, peaks) {
  const readings = await Promise.all(agents.map((a) => processReadings(a.pid)));
  readings.forEach((r, i) => {
    if (!r) return;
    const p = (peaks[i] ??= { rssMiB: 0, threads: 0, fds: 0 });
    p.rssMiB = Math.max(p.rssMiB, r.rssMiB);
    p.threads = Math.max(p.threads, r.threads);
    p.fds = Math.max(p.fds, r.fds);
  });
  return readings;
}

async function measure(work, hostCount) {
  const row = { hosts: hostCount, cores: cpus().length, loadBefore: loadavg()[0] };
  let lan;
  try {
    lan = await createLan({ hosts: hostCount });
  } catch (error) {
    return { ...row, stopped: `the rig cannot build ${hostCount} hosts: ${error.message}` };
  }
  const agents = [];
  const dir = join(work, `hosts-${hostCount}`);
  try {
    const rules = join(work, 'counters.nft');
    await writeFile(rules, counterRuleset());
    await Promise.all(lan.hosts.map((h) => nft(h, ['-f', rules])));

    const startedAt = performance.now();
    for (const host of lan.hosts) {
      const state = join(dir, `h${host.index}`);
      await mkdir(state, { recursive: true, mode: 0o700 });
      const args = ['--accept', 'none', '--port', String(port), '--state-dir', state, '--dir', join(state, 'inbox'), '--name', `scale-${host.index}`];
      agents.push(new RunAgent(host, args, `host ${host.index}`));
    }
    const ready = await Promise.allSettled(agents.map((a) => a.ready(Math.max(1, READY_TIMEOUT_MS - (performance.now() - startedAt)))));
    const notReady = ready.filter((r) => r.status === 'rejected');
    if (notReady.length > 0) return { ...row, stopped: `${notReady.length} of ${hostCount} agents not ready within ${READY_TIMEOUT_MS / 1000} s (${notReady[0].reason.message})` };
    const lastReadyAt = Math.max(...agents.map((a) => a.readyEvent.at));
    row.readySeconds = (lastReadyAt - startedAt) / 1000;

    const ids = agents.map((a) => a.deviceId);
    const mesh = await waitForMesh(agents, ids, startedAt + MESH_TIMEOUT_MS);
    row.connectedPairs = `${mesh.connected}/${mesh.wanted}`;
    row.meshPackets = await readCounters(lan.hosts);
    if (mesh.meshAt === undefined) {
      row.stopped = `${mesh.reason}: ${mesh.connected} of ${mesh.wanted} directed pairs connected (${hostCount} agents on ${row.cores} cores, load ${loadavg()[0].toFixed(1)})`;
      if (agents.some((a) => !a.running)) return row;
      // Still measure: what a node costs while it keeps trying is part of the answer.
    } else {
      row.meshFromStartSeconds = (mesh.meshAt - startedAt) / 1000;
      row.meshFromLastReadySeconds = (mesh.meshAt - lastReadyAt) / 1000;
    }

    await sleep(settleMs);
    const peaks = [];
    const eventsBefore = agents.map((a) => a.events.length);
    const before = { at: performance.now(), readings: await readAll(agents, peaks), counters: await readCounters(lan.hosts) };
    const sampler = setInterval(() => void readAll(agents, peaks), IDLE_SAMPLE_MS);
    await sleep(idleMs);
    clearInterval(sampler);
    const after = { at: performance.now(), readings: await readAll(agents, peaks), counters: await readCounters(lan.hosts) };
    const seconds = (after.at - before.at) / 1000;

    const cpuPercent = agents.map((_, i) => (after.readings[i] && before.readings[i] ? ((after.readings[i].cpu - before.readings[i].cpu) / seconds) * 100 : undefined));
    row.idleSeconds = seconds;
    row.cpuPercent = medianMax(cpuPercent);
    row.rssMiB = medianMax(peaks.map((p) => p?.rssMiB));
    row.threads = medianMax(peaks.map((p) => p?.threads));
    row.fds = medianMax(peaks.map((p) => p?.fds));
    row.packets = packetRates(before.counters, after.counters, seconds, hostCount);
    // A quiet mesh changes no connection; drops during the idle window mean the rig is overloaded.
    row.idleDrops = agents.reduce((n, a, i) => n + a.events.slice(eventsBefore[i]).filter((e) => e.event === 'peer-state' && e.state !== 'connected').length, 0);
    row.exitedDuringIdle = agents.filter((a) => !a.running).length;
    row.loadAfter = loadavg()[0];
    return row;
  } catch (error) {
    return { ...row, stopped: `failed: ${error.message}` };
  } finally {
    await lan.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const fmt = (v, digits = 1) => (v === undefined ? '-' : v.toFixed(digits));
const mm = (s, digits = 1) => (s ? `${fmt(s.median, digits)} / ${fmt(s.max, digits)}` : '-');

function printTable(rows) {
  const pad = (cells, widths) => cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ');
  const w1 = [5, 12, 15, 20, 14, 13, 11, 6];
  console.log(pad(['hosts', 'mesh s start', 'mesh s lastReady', 'idle CPU % med/max', 'RSS MiB med/max', 'threads m/max', 'fds m/max', 'drops'], w1));
  for (const r of rows) {
    if (r.cpuPercent === undefined) continue;
    console.log(pad([r.hosts, fmt(r.meshFromStartSeconds, 2), fmt(r.meshFromLastReadySeconds, 2), mm(r.cpuPercent, 2), mm(r.rssMiB), mm(r.threads, 0), mm(r.fds, 0), r.idleDrops], w1));
  }
  console.log('');
  const w2 = [5, 30, 30];
  console.log(pad(['hosts', 'sent on link pkt/s mdns/sig/rtc', 'per node in+out pkt/s m/s/r'], w2));
  for (const r of rows) {
    if (!r.packets) continue;
    const p = r.packets;
    const three = (f) => ['mdns', 'signaling', 'webrtc'].map((k) => fmt(p[k][f])).join(' / ');
    console.log(pad([r.hosts, three('sentPerSecond'), three('perNodePerSecond')], w2));
  }
  for (const r of rows) if (r.stopped) console.log(`\n${r.hosts} hosts: rig stopped: ${r.stopped}`);
}

const work = await workFolder('bench-scale');
console.log(`fileshare scale benchmark: one \`run --accept none\` per rig host; settle ${settleMs / 1000} s, idle window ${idleMs / 1000} s`);
console.log(`machine: ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)} at start (numbers are only comparable on an otherwise idle machine)\n`);
const rows = [];
for (const n of hostCounts) {
  const row = await measure(work, n);
  rows.push(row);
  const mesh = row.meshFromStartSeconds === undefined ? (row.stopped ?? '') : `full mesh ${fmt(row.meshFromStartSeconds, 2)} s from start, ${fmt(row.meshFromLastReadySeconds, 2)} s from last ready`;
  console.log(`[${n} hosts] ${mesh}${row.cpuPercent ? `; idle CPU ${mm(row.cpuPercent, 2)} %, RSS ${mm(row.rssMiB)} MiB` : ''}`);
}
console.log('');
printTable(rows);
if (values.json) {
  await writeFile(values.json, JSON.stringify({ at: new Date().toISOString(), cores: cpus().length, idleSeconds: idleMs / 1000, settleSeconds: settleMs / 1000, port, rows }, null, 2));
  console.log(`\nwrote ${values.json}`);
}
