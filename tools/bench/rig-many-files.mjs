#!/usr/bin/env node
// Benchmark: a folder of many small files from host 0 to host 1 of the LAN rig, with the real
// agents. Users of other tools report that many small files get slower and slower; this prints
// files per second for growing counts (the rate must not fall with the count), the peak resident
// memory of both processes, and checks every received file against the original.
// Needs root (network namespaces). Build first: `npx nx run-many -t build`.
// Usage: node tools/bench/rig-many-files.mjs [--counts 1000,10000] [--max-bytes 16384]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLan } from '../lan/dist/index.js';
import { agentMain, countIntact, describeFailure, exitUnlessRigAvailable, makeTree, measureSend, onAgentEvents, peakRss } from './rig-support.mjs';

const { values } = parseArgs({
  options: { counts: { type: 'string', default: '1000,10000' }, 'max-bytes': { type: 'string', default: '16384' } },
});

exitUnlessRigAvailable();

const work = await mkdtemp(join(tmpdir(), 'fileshare-bench-many-'));
const lan = await createLan({ hosts: 2 });
try {
  const inbox = join(work, 'inbox');
  const receiver = lan.hosts[1].spawn(process.execPath, [agentMain, 'run', '--json', '--accept', 'all', '--dir', inbox, '--state-dir', join(work, 'r-state')]);
  let receiverId;
  onAgentEvents(receiver, (e) => {
    if (e.event === 'ready') receiverId = e.deviceId;
  });
  while (!receiverId) await new Promise((r) => setTimeout(r, 50));

  console.log(`fileshare rig benchmark: many small files (0-${values['max-bytes']} bytes each), host 0 -> host 1`);
  console.log('files  | MiB   | seconds (offer->verified) | files/s | sender peak RSS MiB | receiver peak RSS MiB | received intact');
  for (const count of values.counts.split(',').map(Number)) {
    const name = `tree-${count}`;
    const source = join(work, name);
    const { expected, bytes } = await makeTree(source, count, Number(values['max-bytes']));
    const sent = await measureSend(lan.hosts[0], ['--to', receiverId, '--state-dir', join(work, `s-state-${count}`), source]);
    const receiverPeak = await peakRss(receiver.pid);
    if (sent.seconds === undefined) {
      console.log(describeFailure(count, sent));
      continue;
    }
    const intact = await countIntact(join(inbox, name), expected);
    const { seconds } = sent;
    console.log(
      [
        String(count).padEnd(6),
        (bytes / 1024 / 1024).toFixed(1).padEnd(5),
        seconds.toFixed(2).padEnd(25),
        (count / seconds).toFixed(0).padEnd(7),
        sent.peakMiB.toFixed(0).padEnd(19),
        receiverPeak.toFixed(0).padEnd(21),
        `${intact}/${count}`,
      ].join(' | '),
    );
    await rm(source, { recursive: true, force: true });
    await rm(join(inbox, name), { recursive: true, force: true });
  }
  receiver.kill('SIGTERM');
} finally {
  await lan.close();
  await rm(work, { recursive: true, force: true });
}
