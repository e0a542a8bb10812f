#!/usr/bin/env node
// `npm run soak -- --minutes N [--hosts K]`: a LAN that never sits still, for as long as asked.
// On one LAN rig with K hosts, each host runs `fileshare-agent run --accept all`:
//
//   - the first `--stable` hosts (default 3) keep one agent for the whole run, so that slow growth
//     of memory or descriptors shows up in them;
//   - the others keep cycling: join (start an agent; sometimes with a fresh state folder, so a new
//     device id joins and the old one must be forgotten), stay a while, then leave (SIGTERM, must
//     exit 0 within AGENT_STOP_TIMEOUT_MS) or crash (SIGKILL), stay away a while, join again;
//   - all the time, up to `--concurrency` transfers run between random connected live hosts: a
//     random small (0-256 KiB) or medium (1-16 MiB) file sent with `fileshare-agent send
//     --state-dir <sending host's>`, then its SHA-256 checked on the receiver's disk.
//
// Every minute and at the end it prints transfers done and failed (failures around a deliberate
// stop or kill of either host counted apart from unexpected ones, each unexpected one listed with
// its code), bytes verified, and the long-lived agents' RSS and open descriptors; at the end a
// growth verdict per long-lived agent (trend.mjs). Exit code 0 when nothing unexpected failed,
// no agent misbehaved (did not start, hung on stop, exited by itself) and nothing grew.
//
// Needs root (network namespaces) and built packages. Not part of the test command. Ctrl-C once
// ends the run early with the report; twice stops at once. Agents, namespaces and files are
// removed on every way out.
//   npm run soak -- [--minutes 10] [--hosts 6] [--stable 3] [--concurrency 3] [--sample 10]
//                   [--port 47000] [--seed N] [--json out.json]
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createLan } from '../lan/dist/index.js';
import { exitUnlessRigAvailable } from '../bench/rig-support.mjs';
import { connectedPeers, processReadings, RunAgent, workFolder } from '../bench/agent-fleet.mjs';
import { causedByChurn, pickSize, runTransfer } from './transfers.mjs';
import { describeTrend, growthVerdict } from './trend.mjs';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    hosts: { type: 'string', default: '6' },
    stable: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '3' },
    sample: { type: 'string', default: '10' },
    port: { type: 'string', default: '47000' },
    seed: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log('usage: npm run soak -- [--minutes 10] [--hosts 6] [--stable 3] [--concurrency 3] [--sample SECONDS] [--port N] [--seed N] [--json FILE]');
  process.exit(0);
}
const minutes = Number(values.minutes);
const hostCount = Number(values.hosts);
const stableCount = Number(values.stable);
const concurrency = Number(values.concurrency);
const sampleMs = Number(values.sample) * 1000;
const port = Number(values.port);
const seed = Number(values.seed ?? Math.floor(Math.random() * 2 ** 31));
if (!(minutes > 0 && Number.isInteger(hostCount) && hostCount >= 2 && Number.isInteger(stableCount) && stableCount >= 1 && stableCount <= hostCount)) {
  throw new Error('--minutes must be positive, --hosts 2 or more, --stable 1..hosts');
}
if (!(Number.isInteger(concurrency) && concurrency >= 1 && sampleMs > 0 && Number.isInteger(seed))) throw new Error('--concurrency 1 or more, --sample positive, --seed an integer');

/** Every `run` prints `ready` within this of its start, or the start counts as failed. */
const READY_TIMEOUT_MS = 30_000;
/** A cycling host stays up this long (uniform), then leaves or crashes... */
const LIVE_MIN_MS = 20_000;
const LIVE_MAX_MS = 90_000;
/** ...and stays away this long (uniform) before it joins again. */
const DOWN_MIN_MS = 5_000;
const DOWN_MAX_MS = 20_000;
/** Share of departures that are crashes (SIGKILL) rather than clean stops (SIGTERM). */
const CRASH_SHARE = 0.5;
/** Share of re-joins with a fresh state folder, i.e. a new device id. */
const FRESH_IDENTITY_SHARE = 0.2;
const REPORT_EVERY_MS = 60_000;
/** How long the scheduler waits before looking again when no connected pair is free. */
const PICK_RETRY_MS = 1_000;

exitUnlessRigAvailable();

/** mulberry32: a small seeded generator, so a run's choices can be replayed with --seed. */
function seeded(s) {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = seeded(seed);
const between = (lo, hi) => lo + random() * (hi - lo);
const pick = (list) => list[Math.floor(random() * list.length)];

const stop = new AbortController();
let interrupted = false;
/** Resolves after `ms`, or early when the run is being stopped. */
const pause = (ms) => delay(ms, undefined, { signal: stop.signal }).catch(() => undefined);

const work = await workFolder('soak', {
  onFirstSignal: () => {
    interrupted = true;
    stop.abort();
  },
});
const lan = await createLan({ hosts: hostCount });
const t0 = Date.now();
const minuteNow = () => (Date.now() - t0) / 60_000;

const hosts = lan.hosts.map((host, index) => ({
  host,
  index,
  stable: index < stableCount,
  stateDir: join(work, `h${index}-state-0`),
  inbox: join(work, `h${index}-inbox`),
  generation: 0,
  agent: undefined,
  samples: [],
}));
/** Deliberate departures, `{ host, at, kind: 'leave' | 'crash' }`. */
const churn = [];
const joins = { total: 0, freshIdentity: 0 };
/** What agents did that they should not: did not start, hung on stop, bad exit code, exited by themselves. */
const problems = [];
const transfers = [];

async function joinHost(h) {
  if (stop.signal.aborted) return;
  if (h.generation > 0 && random() < FRESH_IDENTITY_SHARE) {
    h.stateDir = join(work, `h${h.index}-state-${h.generation}`);
    joins.freshIdentity++;
  }
  h.generation++;
  joins.total++;
  await mkdir(h.stateDir, { recursive: true, mode: 0o700 });
  const args = ['--accept', 'all', '--dir', h.inbox, '--state-dir', h.stateDir, '--port', String(port), '--name', `soak-${h.index}`];
  const agent = new RunAgent(h.host, args, `host ${h.index}`);
  h.agent = agent;
  h.leaving = false;
  void agent.closed.then((code) => {
    if (!h.leaving && !stop.signal.aborted) problems.push({ host: h.index, minute: minuteNow(), what: `agent exited by itself (${code ?? agent.exitSignal}): ${agent.lastStderr()}` });
  });
  try {
    await agent.ready(READY_TIMEOUT_MS);
  } catch (error) {
    if (stop.signal.aborted) return;
    problems.push({ host: h.index, minute: minuteNow(), what: `agent did not start: ${error.message}` });
    h.leaving = true;
    await agent.crash();
  }
}

/** `kind` 'leave' (SIGTERM) or 'crash' (SIGKILL); `atEnd`: the run is over, not churn. */
async function leave(h, kind, atEnd = false) {
  const agent = h.agent;
  if (!agent?.running) return;
  h.leaving = true;
  if (!atEnd) churn.push({ host: h.index, at: Date.now(), kind });
  if (kind === 'crash') return agent.crash();
  const { code, hung } = await agent.stop();
  if (hung) problems.push({ host: h.index, minute: minuteNow(), what: 'agent did not exit within the stop bound after SIGTERM' });
  else if (code !== 0) problems.push({ host: h.index, minute: minuteNow(), what: `agent exited ${code ?? agent.exitSignal} after SIGTERM: ${agent.lastStderr()}` });
}

async function cycle(h) {
  while (!stop.signal.aborted) {
    await joinHost(h);
    await pause(between(LIVE_MIN_MS, LIVE_MAX_MS));
    if (stop.signal.aborted) return;
    await leave(h, random() < CRASH_SHARE ? 'crash' : 'leave');
    await pause(between(DOWN_MIN_MS, DOWN_MAX_MS));
  }
}

const live = (h) => h.agent?.running && !h.leaving && h.agent.deviceId !== undefined;

/** A random sender and a receiver it is connected to, both live; undefined when there is none. */
function pickPair() {
  const senders = hosts.filter(live);
  for (let tries = 0; tries < 5 && senders.length > 0; tries++) {
    const from = pick(senders);
    const peers = connectedPeers(from.agent);
    const receivers = hosts.filter((h) => h !== from && live(h) && peers.has(h.agent.deviceId));
    if (receivers.length > 0) return { from, to: pick(receivers) };
  }
  return undefined;
}

let seq = 0;
async function transferLoop() {
  const running = new Set();
  while (!stop.signal.aborted) {
    while (running.size < concurrency) {
      const pair = pickPair();
      if (!pair) break;
      const n = ++seq;
      const job = runTransfer({ seq: n, from: pair.from, to: pair.to, toId: pair.to.agent.deviceId, bytes: pickSize(random), outbox: join(work, 'outbox') })
        .catch((error) => ({ seq: n, from: pair.from.index, to: pair.to.index, ok: false, code: 'ERR_SOAK_HARNESS', message: error.message, startedAt: Date.now(), endedAt: Date.now() }))
        .then((record) => {
          record.cause = record.ok ? undefined : interrupted ? 'interrupted' : causedByChurn(record, churn) ? 'churn' : 'unexpected';
          transfers.push(record);
          running.delete(job);
        });
      running.add(job);
    }
    await Promise.race([pause(PICK_RETRY_MS), ...running]);
  }
  // Sends still running finish by themselves, each within its own bound (SEND_TIMEOUT_MS).
  await Promise.all(running);
}

async function sampleAgents() {
  const minute = minuteNow();
  await Promise.all(
    hosts.map(async (h) => {
      if (!h.agent?.running) return;
      const r = await processReadings(h.agent.pid);
      if (r) h.samples.push({ minute, generation: h.generation, rssMiB: r.rssMiB, fds: r.fds, threads: r.threads, cpu: r.cpu });
    }),
  );
}

const MiB = 1024 * 1024;
function tally() {
  const done = transfers.filter((t) => t.ok);
  const failed = transfers.filter((t) => !t.ok);
  const by = (cause) => failed.filter((t) => t.cause === cause);
  return { done: done.length, bytesVerified: done.reduce((s, t) => s + t.bytes, 0), failed: failed.length, churn: by('churn'), unexpected: by('unexpected'), interrupted: by('interrupted') };
}

function minuteLine() {
  const t = tally();
  const longLived = hosts
    .filter((h) => h.stable)
    .map((h) => {
      const s = h.samples[h.samples.length - 1];
      return s ? `h${h.index} ${s.rssMiB.toFixed(0)}/${s.fds}` : `h${h.index} -`;
    })
    .join(' ');
  return `[${minuteNow().toFixed(1).padStart(5)} min] live ${hosts.filter(live).length}/${hostCount} | transfers ${t.done} ok, ${t.failed} failed (${t.churn.length} around churn, ${t.unexpected.length} unexpected) | ${(t.bytesVerified / MiB).toFixed(1)} MiB verified | long-lived RSS MiB/fds: ${longLived} | problems ${problems.length}`;
}

const countCodes = (list) => Object.entries(list.reduce((m, t) => ({ ...m, [t.code]: (m[t.code] ?? 0) + 1 }), {})).map(([c, n]) => `${c} x${n}`).join(', ') || '-';

console.log(`fileshare soak: ${minutes} min, ${hostCount} hosts (${stableCount} long-lived), up to ${concurrency} transfers at once, seed ${seed}`);
console.log(`machine: ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)} at start`);
const sampler = setInterval(() => void sampleAgents(), sampleMs);
const reporter = setInterval(() => console.log(minuteLine()), REPORT_EVERY_MS);
const endTimer = setTimeout(() => stop.abort(), minutes * 60_000);
let verdicts = [];
try {
  await Promise.all(hosts.filter((h) => h.stable).map(joinHost));
  const loops = [...hosts.filter((h) => !h.stable).map(cycle), transferLoop()];
  await Promise.all(loops);
  clearInterval(sampler);
  clearInterval(reporter);
  clearTimeout(endTimer);
  await sampleAgents();
  // The long-lived agents must also stop cleanly at the end.
  await Promise.all(hosts.map((h) => (interrupted ? h.agent?.crash() : leave(h, 'leave', true))));
} finally {
  clearInterval(sampler);
  clearInterval(reporter);
  clearTimeout(endTimer);
  await lan.close();
}

const ranMinutes = minuteNow();
const t = tally();
console.log(`\n${minuteLine()}`);
console.log(`\nsoak ${interrupted ? 'interrupted' : 'finished'} after ${ranMinutes.toFixed(1)} min (seed ${seed}); load average ${loadavg()[0].toFixed(1)}`);
console.log(`churn: ${joins.total} joins (${joins.freshIdentity} with a new device id), ${churn.filter((c) => c.kind === 'leave').length} leaves (SIGTERM), ${churn.filter((c) => c.kind === 'crash').length} crashes (SIGKILL)`);
console.log(`transfers: ${t.done} verified (${(t.bytesVerified / MiB).toFixed(1)} MiB), ${t.failed} failed`);
console.log(`  around a deliberate stop/kill of either host: ${t.churn.length} (${countCodes(t.churn)})`);
if (t.interrupted.length > 0) console.log(`  cut short by Ctrl-C: ${t.interrupted.length}`);
console.log(`  unexpected: ${t.unexpected.length}`);
for (const u of t.unexpected) {
  console.log(`    #${u.seq} host ${u.from} -> host ${u.to}, ${((u.bytes ?? 0) / MiB).toFixed(2)} MiB, exit ${u.exitCode}: ${u.code} ${u.message}`);
  if (u.stderr && u.exitCode === 1) console.log(u.stderr.split('\n').slice(0, 12).map((l) => `        ${l}`).join('\n'));
}
console.log(`agent problems: ${problems.length}`);
for (const p of problems) console.log(`    ${p.minute.toFixed(1)} min host ${p.host}: ${p.what}`);
console.log('\nlong-lived agents (floors per span of time, the verdict over the second half):');
const sampleMinutes = sampleMs / 60_000;
verdicts = hosts.filter((h) => h.stable).map((h) => ({ host: h.index, ...growthVerdict(h.samples, ranMinutes, sampleMinutes) }));
for (const v of verdicts) console.log(`  ${describeTrend(`host ${v.host}`, v)}`);
const grew = verdicts.filter((v) => v.judged && v.growing.length > 0);
const pass = t.unexpected.length === 0 && problems.length === 0 && grew.length === 0;
console.log(`\nverdict: ${pass ? 'PASS' : 'FAIL'}${verdicts.some((v) => !v.judged) ? ' (growth not judged: run too short)' : ''}`);
if (values.json) {
  const report = { seed, minutes: ranMinutes, hosts: hostCount, stable: stableCount, concurrency, interrupted, joins, churn, transfers, problems, verdicts, samples: hosts.map((h) => ({ host: h.index, stable: h.stable, samples: h.samples })) };
  await writeFile(values.json, JSON.stringify(report, null, 2));
  console.log(`wrote ${values.json}`);
}
process.exitCode = pass ? 0 : 1;
