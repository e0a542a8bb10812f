#!/usr/bin/env node
// `npm run bench`: fileshare against its own transport and against the wire, side by side, in one
// run on the LAN rig (two network namespaces on a bridge), for each link MTU:
//
//   tcp            raw TCP, memory to memory (tools/bench/bench-peer.mjs in each host)
//   bare-fileshare a bare data channel made through packages/peer's driver with exactly the
//                  settings fileshare uses today: its chunk message size (DEFAULT_CHUNK_BYTES +
//                  the chunk header), its buffer watermarks, and the SCTP `mtu` fileshare picks
//                  for the link (packages/core sctp-mtu.ts: the link MTU, at most 4000)
//   bare-best      the same channel with the best settings the transport allows: SCTP `mtu` =
//                  the link MTU, at most 4000 (larger values fail to connect on this rig)
//   fileshare      agent to agent (`run --accept all` / `send`), a random file, checked on disk
//   fileshare-files  agent to agent, a folder of many small random files, each checked on disk
//
// Variants run interleaved (round-robin over MTUs and variants, `--runs` rounds). The table gives
// per variant and MTU the median (min-max) rate, CPU seconds (utime+stime from /proc/<pid>/stat)
// per GiB on each side over the measured window, both processes' peak RSS (VmHWM), and the ratios
// fileshare / bare-best and fileshare / TCP. Timing windows: TCP and bare from the sender's first
// byte to the receiver's last (clock read in the two processes); fileshare from `transfer-offered` to `transfer-complete` (the
// receiver verified and placed everything), as the sender agent reports them.
//
// Needs root (network namespaces) and built packages (`npx nx run-many -t build`).
//   npm run bench -- [--runs 3] [--size 1024] [--files 10000] [--mtu 1500,9000]
//                    [--variants tcp,bare-fileshare,bare-best,fileshare,fileshare-files]
//                    [--json out.json] [--quick]
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { TRANSFER_CHUNK_HEADER_BYTES } from '../../packages/protocol/dist/index.js';
import { DEFAULT_BUFFER_HIGH_BYTES, DEFAULT_BUFFER_LOW_BYTES, DEFAULT_CHUNK_BYTES } from '../../packages/transfer/dist/index.js';
import { sctpMtuForLink } from '../../packages/core/dist/sctp-mtu.js';
import { createLan } from '../lan/dist/index.js';
import {
  agentMain,
  countIntact,
  exited,
  exitUnlessRigAvailable,
  makeTree,
  onAgentEvents,
  randomFile,
  sha256File,
  spread,
  startReceiverAgent,
  watchProcess,
} from './rig-support.mjs';

const ALL_VARIANTS = ['tcp', 'bare-fileshare', 'bare-best', 'fileshare', 'fileshare-files'];
const { values } = parseArgs({
  options: {
    runs: { type: 'string' },
    size: { type: 'string' },
    files: { type: 'string' },
    'max-file-bytes': { type: 'string', default: '4096' },
    mtu: { type: 'string', default: '1500,9000' },
    variants: { type: 'string', default: ALL_VARIANTS.join(',') },
    'best-mtu-cap': { type: 'string', default: '4000' },
    json: { type: 'string' },
    quick: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log('usage: npm run bench -- [--runs N] [--size MiB] [--files N] [--max-file-bytes N] [--mtu 1500,9000] [--variants a,b] [--best-mtu-cap 4000] [--json FILE] [--quick]');
  process.exit(0);
}
const quick = values.quick;
const runs = Number(values.runs ?? (quick ? 1 : 3));
const sizeMiB = Number(values.size ?? (quick ? 64 : 1024));
const fileCount = Number(values.files ?? (quick ? 300 : 10_000));
const maxFileBytes = Number(values['max-file-bytes']);
const mtus = values.mtu.split(',').map(Number);
const variants = values.variants.split(',');
const bestMtuCap = Number(values['best-mtu-cap']);
for (const v of variants) if (!ALL_VARIANTS.includes(v)) throw new Error(`unknown variant ${v}; known: ${ALL_VARIANTS.join(', ')}`);
if (!(runs >= 1 && sizeMiB > 0 && fileCount >= 1)) throw new Error('--runs, --size and --files must be positive');

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const bytes = sizeMiB * MiB;
const bareMessageBytes = DEFAULT_CHUNK_BYTES + TRANSFER_CHUNK_HEADER_BYTES;
const peerScript = new URL('./bench-peer.mjs', import.meta.url).pathname;
/** A measurement that takes longer than this failed (a hang, a lost connection). */
const timeoutMs = (b) => 60_000 + (b / 2e6) * 1000;
/** TCP or a bare channel that has not started sending after this long failed to connect. */
const CONNECT_TIMEOUT_MS = 30_000;

exitUnlessRigAvailable();

const bestSctpMtu = (linkMtu) => Math.min(linkMtu, bestMtuCap);
const settingsOf = {
  'bare-fileshare': (linkMtu) => ({ message: bareMessageBytes, low: DEFAULT_BUFFER_LOW_BYTES, high: DEFAULT_BUFFER_HIGH_BYTES, mtu: sctpMtuForLink(linkMtu) }),
  'bare-best': (linkMtu) => ({ message: bareMessageBytes, low: DEFAULT_BUFFER_LOW_BYTES, high: DEFAULT_BUFFER_HIGH_BYTES, mtu: bestSctpMtu(linkMtu) }),
};

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no result within ${Math.round(ms / 1000)} s`)), ms);
    }),
  ]);
}

/** Keeps the last lines of a child's stderr for error messages. */
function tailStderr(child) {
  const tail = { text: '' };
  child.stderr?.setEncoding('utf8').on('data', (c) => (tail.text = (tail.text + c).slice(-1500)));
  return tail;
}

/**
 * TCP or bare channel: a sender and a receiver bench-peer in their hosts; the data channel's
 * signaling is relayed here. Measures from the sender's `start` to the receiver's `done`.
 */
async function measureStream(lan, kind, linkMtu, port) {
  const [txHost, rxHost] = lan.hosts;
  let rxArgs;
  let txArgs;
  if (kind === 'tcp') {
    // The sender listens (and says `ready`), the receiver connects.
    txArgs = ['tcp-send', '--bind', txHost.address, '--port', String(port), '--bytes', String(bytes)];
    rxArgs = ['tcp-recv', '--host', txHost.address, '--port', String(port), '--bytes', String(bytes)];
  } else {
    const s = settingsOf[kind](linkMtu);
    const mtuArgs = s.mtu === undefined ? [] : ['--mtu', String(s.mtu)];
    rxArgs = ['dc-recv', '--bind', rxHost.address, '--bytes', String(bytes), ...mtuArgs];
    txArgs = ['dc-send', '--bind', txHost.address, '--bytes', String(bytes), '--message', String(s.message), '--low', String(s.low), '--high', String(s.high), ...mtuArgs];
  }
  const procs = {};
  const start = (who) => {
    const [host, args] = who === 'sender' ? [txHost, txArgs] : [rxHost, rxArgs];
    const child = host.spawn(process.execPath, [peerScript, ...args]);
    procs[who] = { child, err: tailStderr(child), watch: watchProcess(child.pid) };
    return procs[who];
  };
  const other = (who) => procs[who === 'sender' ? 'receiver' : 'sender'];
  let stopTimers = () => {};
  try {
    const result = await withTimeout(
      new Promise((resolveRun, reject) => {
        let startAt;
        let startCpu;
        const launch = (who) => {
          const { child, err, watch } = start(who);
          child.once('close', (code) => reject(new Error(`${who} exited (${code}) early ${err.text.trim().split('\n').slice(-3).join(' / ')}`)));
          onAgentEvents(child, async (e) => {
            if (e.type === 'error') reject(new Error(`${who}: ${e.message}`));
            if (e.type === 'signal') other(who)?.child.stdin.write(`${JSON.stringify(e)}\n`);
            if (e.type === 'ready' && who === 'sender' && kind === 'tcp') launch('receiver');
            if (e.type === 'start' && who === 'sender') {
              clearTimeout(connectTimer);
              lastProgressAt = Date.now();
              startAt = e.t;
              startCpu = Promise.all([watch.read(), other(who)?.watch.read()]);
            }
            if (e.type === 'progress' && who === 'receiver') {
              received = e.bytes;
              lastProgressAt = Date.now();
            }
            if (e.type === 'done' && who === 'receiver') {
              const doneAt = e.t;
              const [t1, r1] = await Promise.all([other(who).watch.read(), watch.read()]);
              const [t0, r0] = await startCpu;
              resolveRun({
                seconds: (doneAt - startAt) / 1000,
                cpuSender: t1.cpu - t0.cpu,
                // The TCP receiver may connect just after the sender's start: count it from 0.
                cpuReceiver: r1.cpu - (r0?.cpu ?? 0),
                peakSenderMiB: t1.peakMiB,
                peakReceiverMiB: r1.peakMiB,
              });
            }
          });
        };
        let received = 0;
        let lastProgressAt = Date.now();
        const connectTimer = setTimeout(() => {
          if (startAt === undefined) reject(new Error(`did not connect within ${CONNECT_TIMEOUT_MS / 1000} s`));
        }, CONNECT_TIMEOUT_MS);
        const stallTimer = setInterval(() => {
          if (startAt !== undefined && Date.now() - lastProgressAt > CONNECT_TIMEOUT_MS) {
            reject(new Error(`connected, then stalled: the receiver got ${received} of ${bytes} bytes, nothing for ${CONNECT_TIMEOUT_MS / 1000} s`));
          }
        }, 1000);
        stopTimers = () => {
          clearTimeout(connectTimer);
          clearInterval(stallTimer);
        };
        launch('sender');
        if (kind !== 'tcp') launch('receiver');
      }),
      timeoutMs(bytes),
      kind,
    );
    return { ok: true, bytes, rate: bytes / 1e6 / result.seconds, ...result };
  } finally {
    stopTimers();
    const all = Object.values(procs);
    for (const { child } of all) {
      child.removeAllListeners('close');
      child.stdin.end();
    }
    const gone = await Promise.race([Promise.all(all.map(({ child }) => exited(child))).then(() => true), new Promise((r) => setTimeout(() => r(false), 5000))]);
    if (!gone) for (const { child } of all) if (child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    for (const { watch } of all) watch.stop();
  }
}

/**
 * fileshare agent to agent: a fresh receiver (`run --accept all`) in host 1, `send` in host 0.
 * CPU is read on both at the sender's `transfer-offered` and `transfer-complete`.
 */
async function measureFileshare(lan, work, data, tag) {
  const [txHost, rxHost] = lan.hosts;
  const inbox = join(work, `inbox-${tag}`);
  const { child: rx, deviceId } = await startReceiverAgent(rxHost, { inbox, stateDir: join(work, 'r-state') });
  const rxWatch = watchProcess(rx.pid);
  const tx = txHost.spawn(process.execPath, [agentMain, 'send', '--json', '--to', deviceId, '--state-dir', join(work, 's-state'), data.path]);
  const txErr = tailStderr(tx);
  const txWatch = watchProcess(tx.pid);
  let stallTimer;
  try {
    const result = await withTimeout(
      new Promise((resolveRun, reject) => {
        let offered;
        let failure;
        let lastEventAt = Date.now();
        stallTimer = setInterval(() => {
          if (offered && Date.now() - lastEventAt > 60_000) reject(new Error('stalled: no event from the sender for 60 s after the offer'));
        }, 1000);
        onAgentEvents(tx, async (e) => {
          lastEventAt = Date.now();
          if (e.event === 'transfer-offered') offered = { at: e.at, cpu: Promise.all([txWatch.read(), rxWatch.read()]) };
          if (e.event === 'transfer-failed' || e.event === 'error') failure = e;
          if (e.event === 'transfer-complete') {
            const doneAt = e.at;
            const [t1, r1] = await Promise.all([txWatch.read(), rxWatch.read()]);
            if (!offered) return reject(new Error('transfer-complete without transfer-offered'));
            const [t0, r0] = await offered.cpu;
            resolveRun({
              seconds: (doneAt - offered.at) / 1000,
              cpuSender: t1.cpu - t0.cpu,
              cpuReceiver: r1.cpu - r0.cpu,
              peakSenderMiB: t1.peakMiB,
              peakReceiverMiB: r1.peakMiB,
            });
          }
        });
        tx.once('close', (code) => {
          setTimeout(() => {
            const why = failure ? `${failure.code}: ${failure.message}` : txErr.text.trim().split('\n').slice(-3).join(' / ');
            reject(new Error(`send exited (${code}) without transfer-complete: ${why}`));
          }, 500);
        });
      }),
      timeoutMs(data.bytes) + 30_000,
      'fileshare',
    );
    await exited(tx);
    // Verified on disk, outside the measured window.
    let intact;
    if (data.kind === 'file') intact = (await sha256File(join(inbox, data.name))) === data.sha256 ? 1 : 0;
    else intact = await countIntact(join(inbox, data.name), data.expected);
    const total = data.kind === 'file' ? 1 : data.expected.size;
    if (intact !== total) throw new Error(`received ${intact}/${total} intact`);
    const out = { ok: true, bytes: data.bytes, rate: data.bytes / 1e6 / result.seconds, ...result, intact: `${intact}/${total}` };
    if (data.kind === 'tree') out.filesPerSecond = total / result.seconds;
    return out;
  } finally {
    clearInterval(stallTimer);
    rxWatch.stop();
    txWatch.stop();
    for (const child of [tx, rx]) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const gone = await Promise.race([Promise.all([exited(rx), exited(tx)]).then(() => true), new Promise((r) => setTimeout(() => r(false), 10_000))]);
    if (!gone) for (const child of [rx, tx]) if (child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    await rm(inbox, { recursive: true, force: true });
  }
}

// ---- results ----

function summarize(list, kind) {
  const ok = list.filter((r) => r.ok);
  const perUnit = (r, cpu) => (kind === 'tree' ? (cpu / r.files) * 1000 : cpu / (r.bytes / GiB));
  return {
    runs: list.length,
    ok: ok.length,
    mbps: spread(ok.map((r) => r.rate)),
    filesPerSecond: kind === 'tree' ? spread(ok.map((r) => r.filesPerSecond)) : undefined,
    cpuSender: spread(ok.map((r) => perUnit(r, r.cpuSender))),
    cpuReceiver: spread(ok.map((r) => perUnit(r, r.cpuReceiver))),
    cpuUnit: kind === 'tree' ? 's per 1000 files' : 's per GiB',
    peakReceiverMiB: spread(ok.map((r) => r.peakReceiverMiB)),
    peakSenderMiB: spread(ok.map((r) => r.peakSenderMiB)),
    errors: list.filter((r) => !r.ok).map((r) => r.error),
  };
}

const fmt = (s, digits = 1) => (s ? `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}-${s.max.toFixed(digits)})` : '-');
const fmtMedian = (s, digits = 2) => (s ? s.median.toFixed(digits) : '-');
const ratio = (a, b) => (a && b ? a.median / b.median : undefined);

function printTable(report) {
  const lines = [];
  lines.push(
    `fileshare benchmark: ${report.runs} run(s) each, interleaved; ${report.sizeMiB} MiB stream/file; ${report.files} files of 0-${report.maxFileBytes} B; node ${process.version}; ${report.cpus} CPUs`,
  );
  lines.push(
    `bare-fileshare: ${bareMessageBytes} B messages, buffered low/high ${DEFAULT_BUFFER_LOW_BYTES / MiB}/${DEFAULT_BUFFER_HIGH_BYTES / MiB} MiB, SCTP mtu as fileshare picks it (min(link MTU, 4000)); bare-best: same with SCTP mtu = min(link MTU, ${bestMtuCap}); setSctpSettings: not exposed by packages/peer's driver, not tried`,
  );
  const load = (l) => l.map((x) => x.toFixed(1)).join(' ');
  lines.push(`load average (1/5/15 min) at start ${load(report.loadAverageAtStart)}, at end ${load(report.loadAverageAtEnd)}; took ${report.seconds.toFixed(0)} s`);
  lines.push('');
  lines.push('| link MTU | variant | ok/runs | MB/s median (min-max) | files/s median (min-max) | sender CPU | receiver CPU | CPU unit | receiver peak RSS MiB (max) | sender peak RSS MiB (max) |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const mtu of report.mtus) {
    for (const v of report.variants) {
      const s = report.results[mtu][v].summary;
      lines.push(
        `| ${mtu} | ${v} | ${s.ok}/${s.runs} | ${fmt(s.mbps)} | ${s.filesPerSecond ? fmt(s.filesPerSecond, 0) : '-'} | ${fmtMedian(s.cpuSender)} | ${fmtMedian(s.cpuReceiver)} | ${s.cpuUnit} | ${s.peakReceiverMiB ? s.peakReceiverMiB.max.toFixed(0) : '-'} | ${s.peakSenderMiB ? s.peakSenderMiB.max.toFixed(0) : '-'} |`,
      );
    }
  }
  lines.push('');
  lines.push('| link MTU | fileshare / bare-best (MB/s) | fileshare / TCP (MB/s) | fileshare / bare-fileshare (MB/s) | receiver CPU/GiB fileshare / bare-best |');
  lines.push('|---|---|---|---|---|');
  for (const mtu of report.mtus) {
    const r = report.ratios[mtu];
    const f = (x) => (x === undefined ? '-' : x.toFixed(2));
    lines.push(`| ${mtu} | ${f(r.fileshareOverBareBest)} | ${f(r.fileshareOverTcp)} | ${f(r.fileshareOverBareFileshare)} | ${f(r.receiverCpuFileshareOverBareBest)} |`);
  }
  const errors = [];
  for (const mtu of report.mtus) {
    for (const v of report.variants) for (const e of report.results[mtu][v].summary.errors) errors.push(`MTU ${mtu} ${v}: ${e}`);
  }
  if (errors.length) {
    lines.push('');
    lines.push('failures:');
    for (const e of errors) lines.push(`  ${e}`);
  }
  console.log(lines.join('\n'));
}

// ---- main ----

const started = Date.now();
const work = await mkdtemp(join(tmpdir(), 'fileshare-bench-'));
const lans = new Map();
const report = {
  startedAt: new Date(started).toISOString(),
  node: process.version,
  cpus: cpus().length,
  loadAverageAtStart: loadavg(),
  runs,
  sizeMiB,
  files: fileCount,
  maxFileBytes,
  mtus,
  variants,
  settings: {
    bareFileshare: Object.fromEntries(mtus.map((m) => [m, settingsOf['bare-fileshare'](m)])),
    bareBest: Object.fromEntries(mtus.map((m) => [m, settingsOf['bare-best'](m)])),
    setSctpSettings: 'not exposed by the peer driver (packages/peer node-datachannel-driver.ts); not tried',
  },
  results: {},
  ratios: {},
};
let interrupted = false;
const onSignal = () => {
  interrupted = true;
  console.error('interrupted; finishing the current measurement and cleaning up');
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

try {
  const data = {};
  if (variants.includes('fileshare')) {
    const name = `bench-${sizeMiB}MiB.bin`;
    const path = join(work, 'src', name);
    await mkdir(join(work, 'src'), { recursive: true });
    process.stderr.write(`writing ${sizeMiB} MiB random file... `);
    data.file = { kind: 'file', name, path, bytes, sha256: await randomFile(path, bytes) };
    process.stderr.write('done\n');
  }
  if (variants.includes('fileshare-files')) {
    const name = `tree-${fileCount}`;
    const path = join(work, 'src', name);
    process.stderr.write(`writing ${fileCount} small files... `);
    const { expected, bytes: treeBytes } = await makeTree(path, fileCount, maxFileBytes);
    data.tree = { kind: 'tree', name, path, bytes: treeBytes, expected };
    process.stderr.write('done\n');
  }
  for (const mtu of mtus) {
    lans.set(mtu, await createLan({ hosts: 2, mtu }));
    report.results[mtu] = Object.fromEntries(variants.map((v) => [v, { runs: [] }]));
  }
  let port = 5201;
  let step = 0;
  const totalSteps = runs * mtus.length * variants.length;
  for (let run = 1; run <= runs && !interrupted; run++) {
    for (const mtu of mtus) {
      for (const v of variants) {
        if (interrupted) break;
        step++;
        const lan = lans.get(mtu);
        const t0 = Date.now();
        let r;
        try {
          if (v === 'tcp' || v.startsWith('bare-')) r = await measureStream(lan, v, mtu, port++);
          else if (v === 'fileshare') r = await measureFileshare(lan, work, data.file, `${mtu}-${run}-f`);
          else r = await measureFileshare(lan, work, data.tree, `${mtu}-${run}-t`);
          if (v === 'fileshare-files') r.files = data.tree.expected.size;
        } catch (error) {
          r = { ok: false, error: error instanceof Error ? error.message : String(error) };
        }
        report.results[mtu][v].runs.push(r);
        const what = r.ok
          ? `${r.rate.toFixed(1)} MB/s${r.filesPerSecond ? `, ${r.filesPerSecond.toFixed(0)} files/s` : ''}, cpu tx ${r.cpuSender.toFixed(2)} s rx ${r.cpuReceiver.toFixed(2)} s, rx peak ${r.peakReceiverMiB.toFixed(0)} MiB`
          : `FAILED: ${r.error}`;
        process.stderr.write(`[${step}/${totalSteps}] run ${run} MTU ${mtu} ${v}: ${what} (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
      }
    }
  }
  for (const mtu of mtus) {
    for (const v of variants) {
      const entry = report.results[mtu][v];
      entry.summary = summarize(entry.runs, v === 'fileshare-files' ? 'tree' : 'bytes');
    }
    const s = (v) => report.results[mtu][v]?.summary;
    const fs = s('fileshare');
    report.ratios[mtu] = {
      fileshareOverBareBest: ratio(fs?.mbps, s('bare-best')?.mbps),
      fileshareOverTcp: ratio(fs?.mbps, s('tcp')?.mbps),
      fileshareOverBareFileshare: ratio(fs?.mbps, s('bare-fileshare')?.mbps),
      receiverCpuFileshareOverBareBest: ratio(fs?.cpuReceiver, s('bare-best')?.cpuReceiver),
    };
  }
  report.seconds = (Date.now() - started) / 1000;
  report.loadAverageAtEnd = loadavg();
  printTable(report);
  if (values.json) {
    await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nJSON written to ${values.json}`);
  }
} finally {
  await Promise.all([...lans.values()].map((lan) => lan.close()));
  await rm(work, { recursive: true, force: true });
}
