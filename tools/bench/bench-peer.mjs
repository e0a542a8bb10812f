#!/usr/bin/env node
// One end of a memory-to-memory stream, run inside a rig host by tools/bench/bench.mjs: raw TCP,
// or a bare data channel made through packages/peer's node-datachannel driver (the only place
// that imports the native module). Talks JSON lines: events on stdout; on stdin, the other end's
// signaling (relayed by the orchestrator). Stays alive after `done` until stdin ends, so that the
// orchestrator can read its CPU time and peak memory from /proc before it exits.
//
//   tcp-send --bind <addr> --port <n> --bytes <n>   (listens)
//   tcp-recv --host <addr> --port <n> --bytes <n>   (connects)
//   dc-recv  --bind <addr> --bytes <n> [--mtu <n>]
//   dc-send  --bind <addr> --bytes <n> --message <n> --low <n> --high <n> [--mtu <n>]
import { randomBytes } from 'node:crypto';
import { createServer, connect } from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createNodeDataChannelDriver } from '../../packages/peer/dist/index.js';

const role = process.argv[2];
const { values } = parseArgs({
  args: process.argv.slice(3),
  options: {
    bind: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    bytes: { type: 'string' },
    message: { type: 'string', default: '65536' },
    low: { type: 'string', default: String(1024 * 1024) },
    high: { type: 'string', default: String(4 * 1024 * 1024) },
    mtu: { type: 'string' },
  },
});
const total = Number(values.bytes);
// `t`: wall-clock ms, comparable between the two ends (same machine), free of pipe latency.
const say = (event) => process.stdout.write(`${JSON.stringify({ ...event, t: performance.timeOrigin + performance.now() })}\n`);
const fail = (message) => {
  say({ type: 'error', message: String(message) });
  process.exit(1);
};

/** Inbound JSON lines; resolves `ended` when the orchestrator closes stdin (time to exit). */
const inbox = [];
let onSignal = (m) => inbox.push(m);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  try {
    onSignal(JSON.parse(line));
  } catch {
    /* not for us */
  }
});
const ended = new Promise((resolve) => lines.once('close', resolve));
function listen(handler) {
  onSignal = handler;
  for (const m of inbox.splice(0)) handler(m);
}

/** At most one `progress` line a second, so the orchestrator can tell a stall from slowness. */
let lastProgress = 0;
function progress(bytes) {
  const now = performance.now();
  if (now - lastProgress < 1000) return;
  lastProgress = now;
  say({ type: 'progress', bytes });
}

async function finish(closeAll) {
  await ended;
  closeAll();
  process.exit(0);
}

if (role === 'tcp-send') {
  // The sender listens and the receiver connects: a client socket can read into one reused
  // buffer (`onread`), which keeps allocation and GC out of the TCP figure.
  const buf = randomBytes(1024 * 1024);
  const server = createServer(async (socket) => {
    socket.on('error', (e) => fail(e.message));
    say({ type: 'start' });
    for (let sent = 0; sent < total; sent += buf.length) {
      const piece = sent + buf.length <= total ? buf : buf.subarray(0, total - sent);
      if (!socket.write(piece)) await new Promise((r) => socket.once('drain', r));
    }
    socket.end();
    say({ type: 'sent' });
  });
  server.listen(Number(values.port), values.bind, () => say({ type: 'ready' }));
  void finish(() => server.close());
} else if (role === 'tcp-recv') {
  let got = 0;
  const socket = connect({
    port: Number(values.port),
    host: values.host,
    onread: {
      buffer: Buffer.allocUnsafe(4 * 1024 * 1024),
      callback: (n) => {
        if (got === 0) say({ type: 'start-rx' });
        got += n;
        progress(got);
        if (got >= total) say({ type: 'done', bytes: got });
        return true;
      },
    },
  });
  socket.on('error', (e) => fail(e.message));
  void finish(() => socket.destroy());
} else if (role === 'dc-send' || role === 'dc-recv') {
  const driver = createNodeDataChannelDriver();
  const options = { name: role, bindAddress: values.bind };
  if (values.mtu !== undefined) options.mtu = Number(values.mtu);
  const keep = new Set(); // node-datachannel closes channels JS no longer references
  let remoteSet = false;
  const early = [];
  const handlers = {
    localCandidate: (candidate) => say({ type: 'signal', kind: 'ice', candidate }),
    gatheringComplete: () => {},
    stateChange: (kind, state) => {
      if (state === 'failed') fail(`${kind} state failed`);
    },
    dataChannel: (channel) => {
      keep.add(channel);
      receive(channel);
    },
  };
  const pc = driver.createConnection(options, handlers);
  const addCandidate = (c) => {
    try {
      pc.addRemoteCandidate(c);
    } catch (e) {
      fail(`addRemoteCandidate: ${e.message}`);
    }
  };
  listen((m) => {
    if (m.type !== 'signal') return;
    try {
      if (m.kind === 'offer') {
        say({ type: 'signal', kind: 'answer', sdp: pc.acceptOffer(m.sdp) });
        remoteSet = true;
        early.splice(0).forEach(addCandidate);
      } else if (m.kind === 'answer') {
        pc.acceptAnswer(m.sdp);
        remoteSet = true;
        early.splice(0).forEach(addCandidate);
      } else if (m.kind === 'ice') {
        if (remoteSet) addCandidate(m.candidate);
        else early.push(m.candidate);
      }
    } catch (e) {
      fail(`${m.kind}: ${e.message}`);
    }
  });

  function receive(channel) {
    let got = 0;
    channel.setHandlers({
      open: () => {},
      closed: () => {},
      error: (message) => fail(`channel: ${message}`),
      bufferedAmountLow: () => {},
      message: (data) => {
        if (got === 0) say({ type: 'start' });
        got += data.length;
        progress(got);
        if (got >= total) say({ type: 'done', bytes: got });
      },
    });
  }

  if (role === 'dc-send') {
    const messageBytes = Number(values.message);
    const low = Number(values.low);
    const high = Number(values.high);
    const msg = randomBytes(messageBytes);
    const { sdp, control } = pc.createOffer('bench');
    keep.add(control);
    let wake;
    control.setHandlers({
      open: () => void send(),
      closed: () => {},
      error: (message) => fail(`channel: ${message}`),
      bufferedAmountLow: () => wake?.(),
      message: () => {},
    });
    control.setBufferedAmountLowThreshold(low);
    say({ type: 'signal', kind: 'offer', sdp });
    async function send() {
      say({ type: 'start' });
      for (let sent = 0; sent < total; sent += msg.length) {
        if (control.bufferedAmount() > high) await new Promise((r) => (wake = r));
        wake = undefined;
        control.sendBinary(sent + msg.length <= total ? msg : msg.subarray(0, total - sent));
      }
      say({ type: 'sent' });
    }
  }
  void finish(() => {
    for (const ch of keep) ch.close();
    pc.close();
  });
} else {
  fail(`unknown role ${role}`);
}
