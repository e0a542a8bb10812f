#!/usr/bin/env node
// Loopback throughput of the transfer layer over real node-datachannel, next to a bare data
// channel as the ceiling. Build first: npx nx run transfer:build
//
//   node tools/bench/transfer-loopback.mjs [--mib 256] [--channels 1,2] [--runs 1] [--chunk 65536]
//
// Prints MB/s (10^6 bytes per second) for: a bare channel sending 64 KiB messages with the same
// 1 MiB / 4 MiB watermarks, then sendFiles() of one random file for each channel count. The
// transfer figure includes offer/accept, reading, SHA-256 on both sides, writing and fsync.
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import nodeDataChannel from 'node-datachannel';
import { provider } from './ndc-provider.mjs';
import { createTransferService } from '../../packages/transfer/dist/index.js';

const { values } = parseArgs({
  options: {
    mib: { type: 'string', default: '256' },
    channels: { type: 'string', default: '1,2' },
    runs: { type: 'string', default: '1' },
    chunk: { type: 'string', default: '65536' },
  },
});
const MIB = 1024 * 1024;
const size = Number(values.mib) * MIB;
const channelCounts = values.channels.split(',').map(Number);
const runs = Number(values.runs);
const chunkBytes = Number(values.chunk);

async function pair() {
  const config = { iceServers: [], bindAddress: '127.0.0.1' };
  const a = new nodeDataChannel.PeerConnection('a', config);
  const b = new nodeDataChannel.PeerConnection('b', config);
  a.onLocalDescription((sdp, type) => b.setRemoteDescription(sdp, type));
  b.onLocalDescription((sdp, type) => a.setRemoteDescription(sdp, type));
  a.onLocalCandidate((c, mid) => b.addRemoteCandidate(c, mid));
  b.onLocalCandidate((c, mid) => a.addRemoteCandidate(c, mid));
  const keep = new Set();
  const pa = provider(a, keep);
  const pb = provider(b, keep);
  const gotWarm = new Promise((resolve) => pb.onChannel(resolve));
  await pa.openChannel('warmup');
  await gotWarm;
  return { pa, pb, keep, close: () => (a.close(), b.close()) };
}

async function bare() {
  const p = await pair();
  const got = new Promise((resolve) => p.pb.onChannel((ch) => ch.label === 'bare' && resolve(ch)));
  const tx = await p.pa.openChannel('bare');
  const rx = await got;
  tx.bufferedAmountLowThreshold = MIB;
  const msg = randomBytes(chunkBytes);
  let received = 0;
  const done = new Promise((resolve) => rx.onMessage((m) => (received += m.length) >= size && resolve()));
  const start = performance.now();
  for (let sent = 0; sent < size; sent += msg.length) {
    if (tx.bufferedAmount > 4 * MIB) await new Promise((resolve) => { const off = tx.onBufferedAmountLow(() => (off(), resolve())); });
    tx.send(msg);
  }
  await done;
  const seconds = (performance.now() - start) / 1000;
  p.close();
  return size / 1e6 / seconds;
}

async function transfer(dir, channels) {
  const p = await pair();
  const sender = createTransferService({ localName: 'bench-a', receiveDir: join(dir, 'a'), channelsPerTransfer: channels, chunkBytes });
  const receiver = createTransferService({ localName: 'bench-b', receiveDir: join(dir, `b-${channels}-${Date.now()}`), acceptPolicy: () => 'accept' });
  sender.attachPeer('b'.repeat(32), p.pa);
  receiver.attachPeer('a'.repeat(32), p.pb);
  const start = performance.now();
  const result = await sender.sendFiles('b'.repeat(32), [join(dir, 'file.bin')]);
  const seconds = (performance.now() - start) / 1000;
  await Promise.all([sender.close(), receiver.close()]);
  p.close();
  return result.bytesTransferred / 1e6 / seconds;
}

const dir = await mkdtemp(join(tmpdir(), 'fileshare-bench-'));
try {
  const fh = await open(join(dir, 'file.bin'), 'w');
  for (let at = 0; at < size; at += 8 * MIB) await fh.write(randomBytes(Math.min(8 * MIB, size - at)));
  await fh.close();
  console.log(`file ${values.mib} MiB, chunk ${chunkBytes} B, loopback 127.0.0.1, node ${process.version}`);
  for (let r = 0; r < runs; r++) console.log(`bare data channel            ${(await bare()).toFixed(1)} MB/s`);
  for (const n of channelCounts) {
    for (let r = 0; r < runs; r++) console.log(`sendFiles channelsPerTransfer=${n} ${(await transfer(dir, n)).toFixed(1)} MB/s`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
  nodeDataChannel.cleanup();
}
