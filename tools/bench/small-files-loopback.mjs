#!/usr/bin/env node
// Many small files over loopback: files/s of sendFiles() from a sender process to a receiver
// process (two node processes, so their file-system work does not share one libuv pool), over
// real node-datachannel peer connections on 127.0.0.1. Every received file is checked against
// its source afterwards (outside the timing). Build first: npx tsc -p packages/transfer/tsconfig.lib.json
//
//   node tools/bench/small-files-loopback.mjs [--counts 1000,10000] [--max-bytes 4096] [--runs 1]
//        [--dist packages/transfer/dist/index.js,/tmp/fs-base/packages/transfer/dist/index.js]
//
// With several --dist builds (e.g. a git worktree of the previous commit, built the same way), runs
// are interleaved build by build, so both see the same machine load; prints one row per run and
// the median per build and count. Time is from sendFiles() to the sender's result, i.e. until the
// receiver has confirmed every file verified, synced and in place.
import { fork } from 'node:child_process';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import nodeDataChannel from 'node-datachannel';
import { provider } from './ndc-provider.mjs';

const { values } = parseArgs({
  options: {
    counts: { type: 'string', default: '1000,10000' },
    'max-bytes': { type: 'string', default: '4096' },
    runs: { type: 'string', default: '1' },
    dist: { type: 'string', default: 'packages/transfer/dist/index.js' },
    child: { type: 'boolean', default: false },
    keep: { type: 'string' },
    'window-files': { type: 'string' },
    profile: { type: 'string' },
  },
});
const FILES_PER_FOLDER = 100;

/** One side of a peer connection whose signaling goes over the process's IPC channel (`peer`). */
function endpoint(name, peer) {
  const pc = new nodeDataChannel.PeerConnection(name, { iceServers: [], bindAddress: '127.0.0.1' });
  pc.onLocalDescription((sdp, type) => peer.send({ sig: 'desc', sdp, type }));
  pc.onLocalCandidate((candidate, mid) => peer.send({ sig: 'cand', candidate, mid }));
  const onSignal = (m) => {
    if (m.sig === 'desc') pc.setRemoteDescription(m.sdp, m.type);
    if (m.sig === 'cand') pc.addRemoteCandidate(m.candidate, m.mid);
  };
  return { pc, onSignal };
}

const SENDER_ID = 'a'.repeat(32);
const RECEIVER_ID = 'b'.repeat(32);

async function child() {
  // Sender process: connects, then sends whatever folder the parent names.
  const { createTransferService } = await import(pathToFileURL(resolve(values.dist)).href);
  const keep = new Set();
  const { pc, onSignal } = endpoint('sender', process);
  const p = provider(pc, keep);
  const work = await mkdtemp(join(tmpdir(), 'fileshare-bench-sender-'));
  const sender = createTransferService({ localName: 'bench-sender', receiveDir: work });
  sender.attachPeer(RECEIVER_ID, p);
  process.on('message', async (m) => {
    if (m.sig) return onSignal(m);
    if (m.cmd === 'connect') {
      await p.openChannel('warmup');
      process.send({ ok: 'connected' });
    } else if (m.cmd === 'send') {
      const start = performance.now();
      const cpu = process.cpuUsage();
      try {
        const result = await sender.sendFiles(RECEIVER_ID, [m.path]);
        const used = process.cpuUsage(cpu);
        process.send({ ok: 'sent', seconds: (performance.now() - start) / 1000, files: result.files.length, cpu: (used.user + used.system) / 1e6 });
      } catch (error) {
        process.send({ ok: 'failed', error: `${error.code}: ${error.message}` });
      }
    } else if (m.cmd === 'exit') {
      await sender.close();
      pc.close();
      await rm(work, { recursive: true, force: true });
      nodeDataChannel.cleanup();
      process.exit(0);
    }
  });
}

const sha256 = (data) => createHash('sha256').update(data).digest('hex');

/** A tree of `count` files of 0..maxBytes random bytes, 100 per folder; returns relative path -> sha256. */
async function makeTree(dir, count, maxBytes) {
  const expected = new Map();
  for (let i = 0; i < count; i++) {
    const folder = `d${String(Math.floor(i / FILES_PER_FOLDER)).padStart(4, '0')}`;
    if (i % FILES_PER_FOLDER === 0) await mkdir(join(dir, folder), { recursive: true });
    const data = randomBytes(randomInt(0, maxBytes + 1));
    const rel = `${folder}/f${i}.bin`;
    await writeFile(join(dir, rel), data);
    expected.set(rel, sha256(data));
  }
  return expected;
}

function request(child, message, want) {
  return new Promise((resolve) => {
    const on = (m) => {
      if (m.sig || !want.includes(m.ok)) return;
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
    child.send(message);
  });
}

async function runOnce(dist, source, name, expected, work) {
  const { createTransferService } = await import(pathToFileURL(resolve(dist)).href);
  const child = fork(new URL(import.meta.url).pathname, ['--child', '--dist', dist], { stdio: 'inherit' });
  const keep = new Set();
  const { pc, onSignal } = endpoint('receiver', child);
  child.on('message', (m) => m.sig && onSignal(m));
  const inbox = join(work, `inbox-${Date.now()}`);
  const receiver = createTransferService({ localName: 'bench-receiver', receiveDir: inbox, acceptPolicy: () => 'accept', ...(values['window-files'] ? { windowFiles: Number(values['window-files']) } : {}) });
  receiver.attachPeer(SENDER_ID, provider(pc, keep));
  try {
    await request(child, { cmd: 'connect' }, ['connected']);
    const session = values.profile ? new (await import('node:inspector')).Session() : undefined;
    const post = (method, params) => new Promise((res, rej) => session.post(method, params, (e, r) => (e ? rej(e) : res(r))));
    if (session) {
      session.connect();
      await post('Profiler.enable');
      await post('Profiler.start');
    }
    const cpu = process.cpuUsage();
    const reply = await request(child, { cmd: 'send', path: source }, ['sent', 'failed']);
    const used = process.cpuUsage(cpu);
    if (session) {
      const { profile } = await post('Profiler.stop');
      await writeFile(values.profile, JSON.stringify(profile));
      session.disconnect();
    }
    if (reply.ok !== 'sent') throw new Error(`transfer failed: ${reply.error}`);
    let bad = 0;
    for (const [rel, sum] of expected) {
      const got = await readFile(join(inbox, name, rel)).then(sha256, () => 'missing');
      if (got !== sum) bad++;
    }
    return { seconds: reply.seconds, files: reply.files, bad, senderCpu: reply.cpu, receiverCpu: (used.user + used.system) / 1e6 };
  } finally {
    const exited = new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    if (child.connected) child.send({ cmd: 'exit' });
    await exited;
    await receiver.close();
    pc.close();
    await rm(inbox, { recursive: true, force: true });
  }
}

async function main() {
  const dists = values.dist.split(',');
  const counts = values.counts.split(',').map(Number);
  const runs = Number(values.runs);
  const work = values.keep ?? (await mkdtemp(join(tmpdir(), 'fileshare-bench-small-')));
  console.log(`many small files (0-${values['max-bytes']} B), sender and receiver in two processes, loopback, node ${process.version}`);
  console.log('build | files | run | seconds | files/s | sender CPU s | receiver CPU s | intact');
  const rates = new Map();
  try {
    for (const count of counts) {
      const name = `tree-${count}`;
      const source = join(work, 'src', name);
      const expected = await makeTree(source, count, Number(values['max-bytes']));
      for (let r = 0; r < runs; r++) {
        for (const dist of dists) {
          const { seconds, files, bad, senderCpu, receiverCpu } = await runOnce(dist, source, name, expected, work);
          const rate = count / seconds;
          const key = `${dist}|${count}`;
          rates.set(key, [...(rates.get(key) ?? []), rate]);
          console.log(`${dist} | ${count} | ${r + 1} | ${seconds.toFixed(2)} | ${rate.toFixed(0)} | ${senderCpu.toFixed(2)} | ${receiverCpu.toFixed(2)} | ${bad === 0 && files === count ? 'yes' : `NO (${bad} bad, ${files} confirmed)`}`);
        }
      }
      await rm(source, { recursive: true, force: true });
    }
    console.log('\nmedian files/s');
    for (const [key, list] of rates) {
      const sorted = [...list].sort((a, b) => a - b);
      console.log(`${key.replace('|', ' | ')} | ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} (min ${sorted[0].toFixed(0)}, max ${sorted.at(-1).toFixed(0)})`);
    }
  } finally {
    if (!values.keep) await rm(work, { recursive: true, force: true });
    nodeDataChannel.cleanup();
  }
}

if (values.child) await child();
else await main();
