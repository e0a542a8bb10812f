#!/usr/bin/env node
// How long the TUI takes from launch to its first frame, and to a running node, in a real
// terminal (tmux, 80x24). Each variant is a command line; the runs of all variants are
// interleaved so that a machine busy with other work slows them alike.
//
//   node tools/bench/tui-first-frame.mjs                      # the default variants, 10 runs each
//   node tools/bench/tui-first-frame.mjs --runs 20
//   node tools/bench/tui-first-frame.mjs --variant 'tsc=node apps/tui/dist/main.js' --variant 'bundle=node dist/fileshare/bin/fileshare.js'
//
// "first frame" is the first time the screen shows the header line (`fileshare  starting…`, then
// `fileshare  <name>  id ...`); "node ready" is the first time it shows the peer list, which needs
// the started node. The default variants are the per-package tsc output (what `npm start` ran
// before it bundled) and the bundle: both draw first and load the node after, and the bundle
// loads it faster. Last run here (2 cores, load ~7, 8 runs): first frame 0.38 / 0.37 s, node
// ready 2.44 / 1.00 s; the code before drawing came first took 2.84 s for both.
// Every run uses its own state and receive folder and only the loopback interface, so nothing
// is sent onto a real network.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DEFAULT_VARIANTS = [
  // What `npm start` ran before: the per-package tsc output (needs `npx nx run tui:build`).
  'tsc=node apps/tui/dist/main.js',
  // What `npm start` and the installed `fileshare` run now (needs `node tools/build/bundle.mjs tui`).
  'bundle=node dist/fileshare/bin/fileshare.js',
];
const POLL_MS = 5;
const GIVE_UP_MS = 15000;
const FIRST_FRAME = /^fileshare {2}\S/m;
const NODE_READY = /Peers \(\d+\)/;

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    variant: { type: 'string', multiple: true },
  },
});
const runs = Number(values.runs);
const variants = (values.variant ?? DEFAULT_VARIANTS).map((spec) => {
  const at = spec.indexOf('=');
  return { label: spec.slice(0, at), command: spec.slice(at + 1) };
});

try {
  execFileSync('tmux', ['-V'], { stdio: 'ignore' });
} catch {
  console.log('skipped: tmux is not installed');
  process.exit(0);
}
for (const v of variants) {
  const file = v.command.split(' ')[1];
  if (file && !existsSync(join(root, file))) {
    console.error(`${v.label}: ${file} does not exist; build it first (see the comment at the top of this file).`);
    process.exit(1);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// A tmux server of its own: other tmux users on the machine neither see nor disturb it.
const socket = `fileshare-first-frame-${process.pid}`;
const tmux = (...args) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });

async function once(command) {
  const dir = await mkdtemp(join(tmpdir(), 'fileshare-first-frame-'));
  const session = `first-frame-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  // If the program fails to start, its last words stay on the screen for the error below.
  const line = `cd ${root} && ${command} --interface lo --name bench --state-dir ${dir}/state --dir ${dir}/in; echo "[exited $?]"; sleep 60`;
  const started = performance.now();
  tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', line);
  let firstFrame;
  let ready;
  try {
    while (ready === undefined) {
      const elapsed = performance.now() - started;
      if (elapsed > GIVE_UP_MS) throw new Error(`no UI after ${GIVE_UP_MS} ms:\n${tmux('capture-pane', '-p', '-t', session)}`);
      const screen = tmux('capture-pane', '-p', '-t', session);
      if (screen.includes('[exited ')) throw new Error(`${command} ended:\n${screen}`);
      if (firstFrame === undefined && FIRST_FRAME.test(screen)) firstFrame = elapsed;
      if (NODE_READY.test(screen)) ready = elapsed;
      else await sleep(POLL_MS);
    }
    firstFrame ??= ready;
  } finally {
    tmux('kill-session', '-t', session);
    await rm(dir, { recursive: true, force: true });
  }
  return { firstFrame, ready };
}

const results = new Map(variants.map((v) => [v.label, { firstFrame: [], ready: [] }]));
// One run of each that is not counted: the first start creates a device key and fills caches.
for (const v of variants) await once(v.command);
for (let i = 0; i < runs; i++) {
  for (const v of variants) {
    const r = await once(v.command);
    results.get(v.label).firstFrame.push(r.firstFrame);
    results.get(v.label).ready.push(r.ready);
  }
}

try {
  tmux('kill-server');
} catch {
  // already gone with its last session
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length / 2;
  const median = s.length % 2 ? s[Math.floor(mid)] : (s[mid - 1] + s[mid]) / 2;
  return `${(median / 1000).toFixed(2)} s (${(s[0] / 1000).toFixed(2)}-${(s[s.length - 1] / 1000).toFixed(2)})`;
};
console.log(`TUI start in tmux 80x24, ${runs} interleaved runs each: median (min-max)`);
console.log(`${'variant'.padEnd(10)} ${'first frame'.padEnd(22)} node ready`);
for (const [label, r] of results) console.log(`${label.padEnd(10)} ${stats(r.firstFrame).padEnd(22)} ${stats(r.ready)}`);
