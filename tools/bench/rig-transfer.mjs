#!/usr/bin/env node
// Benchmark: one file from host 0 to host 1 of the LAN rig with the real agents, as a user runs
// them. Prints throughput (offer -> receiver-verified) and the peak resident memory of both
// processes, for several file sizes (memory must stay flat whatever the size) and MTUs.
// Needs root (network namespaces). Build first: `npx nx run-many -t build`.
// Usage: node tools/bench/rig-transfer.mjs [--sizes 64,256,1024] [--mtu 1500] [--channels 1]
import { randomBytes } from 'node:crypto';
import { open, mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createLan, lanUnavailableReason } from '../lan/dist/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const agentMain = join(root, 'apps/agent/dist/main.js');
const { values } = parseArgs({
  options: { sizes: { type: 'string', default: '64,256,1024' }, mtu: { type: 'string', default: '1500' }, channels: { type: 'string', default: '1' } },
});
const MiB = 1024 * 1024;

const reason = lanUnavailableReason();
if (reason) {
  console.log(`skipped: ${reason}`);
  process.exit(0);
}

function lines(child, onEvent) {
  let buffered = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (c) => {
    buffered += c;
    let n;
    while ((n = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, n);
      buffered = buffered.slice(n + 1);
      try {
        onEvent({ ...JSON.parse(line), at: performance.now() });
      } catch {
        /* not an event */
      }
    }
  });
}

/** Peak resident set (VmHWM) of a process, in MiB; polled because the process may exit. */
async function peakRss(pid) {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function randomFile(path, bytes) {
  const handle = await open(path, 'w');
  for (let written = 0; written < bytes; written += 8 * MiB) await handle.write(randomBytes(Math.min(8 * MiB, bytes - written)));
  await handle.close();
}

const work = await mkdtemp(join(tmpdir(), 'fileshare-bench-'));
const lan = await createLan({ hosts: 2, mtu: Number(values.mtu) });
try {
  const receiverState = join(work, 'r-state');
  const inbox = join(work, 'inbox');
  const receiver = lan.hosts[1].spawn(process.execPath, [agentMain, 'run', '--json', '--accept', 'all', '--dir', inbox, '--state-dir', receiverState, '--channels', values.channels]);
  let receiverId;
  const receiverEvents = [];
  lines(receiver, (e) => {
    receiverEvents.push(e);
    if (e.event === 'ready') receiverId = e.deviceId;
  });
  while (!receiverId) await new Promise((r) => setTimeout(r, 50));

  console.log(`fileshare rig benchmark: host 0 -> host 1, link MTU ${values.mtu}, ${values.channels} data channel(s) per transfer`);
  console.log('size MiB | MB/s (offer->verified) | sender peak RSS MiB | receiver peak RSS MiB');
  for (const sizeMiB of values.sizes.split(',').map(Number)) {
    const file = join(work, `bench-${sizeMiB}.bin`);
    await randomFile(file, sizeMiB * MiB);
    const sender = lan.hosts[0].spawn(process.execPath, [agentMain, 'send', '--json', '--to', receiverId, '--state-dir', join(work, `s-state-${sizeMiB}`), '--channels', values.channels, file]);
    let offeredAt;
    let doneAt;
    let failed;
    lines(sender, (e) => {
      if (e.event === 'transfer-offered') offeredAt = e.at;
      if (e.event === 'transfer-complete') doneAt = e.at;
      if (e.event === 'transfer-failed' || e.event === 'error') failed = e;
    });
    let senderPeak = 0;
    const poll = setInterval(async () => {
      senderPeak = Math.max(senderPeak, await peakRss(sender.pid));
    }, 200);
    const code = await new Promise((r) => sender.once('exit', r));
    clearInterval(poll);
    const receiverPeak = await peakRss(receiver.pid);
    if (code !== 0 || !doneAt) {
      console.log(`${sizeMiB} | failed (exit ${code}) ${failed ? `${failed.code}: ${failed.message}` : ''}`);
      continue;
    }
    const mbps = (sizeMiB * MiB) / 1e6 / ((doneAt - offeredAt) / 1000);
    console.log(`${String(sizeMiB).padStart(8)} | ${mbps.toFixed(1).padStart(22)} | ${senderPeak.toFixed(0).padStart(19)} | ${receiverPeak.toFixed(0).padStart(21)}`);
    await rm(file, { force: true });
    await rm(join(inbox, `bench-${sizeMiB}.bin`), { force: true });
  }
  receiver.kill('SIGTERM');
} finally {
  await lan.close();
  await rm(work, { recursive: true, force: true });
}
