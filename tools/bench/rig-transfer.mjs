#!/usr/bin/env node
// Benchmark: one file from host 0 to host 1 of the LAN rig with the real agents, as a user runs
// them. Prints throughput (offer -> receiver-verified) and the peak resident memory of both
// processes, for several file sizes (memory must stay flat whatever the size) and MTUs.
// Needs root (network namespaces). Build first: `npx nx run-many -t build`.
// Usage: node tools/bench/rig-transfer.mjs [--sizes 64,256,1024] [--mtu 1500] [--channels 1]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLan } from '../lan/dist/index.js';
import { agentMain, describeFailure, exitUnlessRigAvailable, measureSend, onAgentEvents, peakRss, randomFile } from './rig-support.mjs';

const { values } = parseArgs({
  options: { sizes: { type: 'string', default: '64,256,1024' }, mtu: { type: 'string', default: '1500' }, channels: { type: 'string', default: '1' } },
});
const MiB = 1024 * 1024;

exitUnlessRigAvailable();

const work = await mkdtemp(join(tmpdir(), 'fileshare-bench-'));
const lan = await createLan({ hosts: 2, mtu: Number(values.mtu) });
try {
  const receiverState = join(work, 'r-state');
  const inbox = join(work, 'inbox');
  const receiver = lan.hosts[1].spawn(process.execPath, [agentMain, 'run', '--json', '--accept', 'all', '--dir', inbox, '--state-dir', receiverState, '--channels', values.channels]);
  let receiverId;
  const receiverEvents = [];
  onAgentEvents(receiver, (e) => {
    receiverEvents.push(e);
    if (e.event === 'ready') receiverId = e.deviceId;
  });
  while (!receiverId) await new Promise((r) => setTimeout(r, 50));

  console.log(`fileshare rig benchmark: host 0 -> host 1, link MTU ${values.mtu}, ${values.channels} data channel(s) per transfer`);
  console.log('size MiB | MB/s (offer->verified) | sender peak RSS MiB | receiver peak RSS MiB');
  for (const sizeMiB of values.sizes.split(',').map(Number)) {
    const file = join(work, `bench-${sizeMiB}.bin`);
    await randomFile(file, sizeMiB * MiB);
    const sent = await measureSend(lan.hosts[0], ['--to', receiverId, '--state-dir', join(work, `s-state-${sizeMiB}`), '--channels', values.channels, file]);
    const receiverPeak = await peakRss(receiver.pid);
    if (sent.seconds === undefined) {
      console.log(describeFailure(sizeMiB, sent));
      continue;
    }
    const mbps = (sizeMiB * MiB) / 1e6 / sent.seconds;
    console.log(`${String(sizeMiB).padStart(8)} | ${mbps.toFixed(1).padStart(22)} | ${sent.peakMiB.toFixed(0).padStart(19)} | ${receiverPeak.toFixed(0).padStart(21)}`);
    await rm(file, { force: true });
    await rm(join(inbox, `bench-${sizeMiB}.bin`), { force: true });
  }
  receiver.kill('SIGTERM');
} finally {
  await lan.close();
  await rm(work, { recursive: true, force: true });
}
