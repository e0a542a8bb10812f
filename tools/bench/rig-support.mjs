// What the rig benchmarks share: the built agent, a root check, its JSON-lines events, the CPU
// time and peak memory of a process, test data (random files, trees) and its verification.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lanUnavailableReason } from '../lan/dist/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const agentMain = join(root, 'apps/agent/dist/main.js');

/** Exits 0 with one line when the rig cannot run here (not root, no ip/nft). */
export function exitUnlessRigAvailable() {
  const reason = lanUnavailableReason();
  if (reason) {
    console.log(`skipped: ${reason}`);
    process.exit(0);
  }
}

/** Calls onEvent with each JSON line the child prints, stamped with `at` (ms, performance.now). */
export function onAgentEvents(child, onEvent) {
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

/** Peak resident set (VmHWM) of a process, in MiB; 0 once it is gone (so poll while it runs). */
export async function peakRss(pid) {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Resolves once the child has exited (at once when it already has). */
export function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveExit) => child.once('exit', () => resolveExit()));
}

/**
 * CPU seconds (user + system, all threads) a process has used so far, from /proc/<pid>/stat;
 * undefined once it is gone. Resolution: one clock tick (10 ms).
 */
export async function cpuSeconds(pid) {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/**
 * Samples a process's CPU time and peak memory every `everyMs` while it lives, so that a reading
 * is at hand even when the process exits right after the moment of interest. `read()` takes a
 * fresh sample when the process is still there, else returns the last one.
 */
export function watchProcess(pid, everyMs = 100) {
  const last = { cpu: undefined, peakMiB: 0 };
  const sample = async () => {
    const [cpu, peak] = await Promise.all([cpuSeconds(pid), peakRss(pid)]);
    if (cpu !== undefined) last.cpu = cpu;
    last.peakMiB = Math.max(last.peakMiB, peak);
    return { ...last };
  };
  const timer = setInterval(() => void sample(), everyMs);
  void sample();
  return {
    read: sample,
    stop: () => clearInterval(timer),
  };
}

/** Resolves with the exit code once the child is gone and all its output is read. */
export function closed(child) {
  return new Promise((resolveClose) => child.once('close', resolveClose));
}

/**
 * Runs `fileshare-agent send <args>` on a rig host until it is gone. Returns its exit code, the
 * seconds from offer to receiver-verified (undefined when it failed), its peak memory and the
 * failure event if any.
 */
export async function measureSend(host, args) {
  const sender = host.spawn(process.execPath, [agentMain, 'send', '--json', ...args]);
  let offeredAt;
  let doneAt;
  let failure;
  onAgentEvents(sender, (e) => {
    if (e.event === 'transfer-offered') offeredAt = e.at;
    if (e.event === 'transfer-complete') doneAt = e.at;
    if (e.event === 'transfer-failed' || e.event === 'error') failure = e;
  });
  let peakMiB = 0;
  const poll = setInterval(async () => {
    peakMiB = Math.max(peakMiB, await peakRss(sender.pid));
  }, 200);
  const code = await closed(sender);
  clearInterval(poll);
  const seconds = code === 0 && doneAt !== undefined ? (doneAt - offeredAt) / 1000 : undefined;
  return { code, seconds, peakMiB, failure };
}

/**
 * Starts `fileshare-agent run --accept all` on a rig host and resolves once it printed `ready`.
 * `extra` are more `run` options.
 */
export async function startReceiverAgent(host, { inbox, stateDir, extra = [], timeoutMs = 30_000 }) {
  const child = host.spawn(process.execPath, [agentMain, 'run', '--json', '--accept', 'all', '--dir', inbox, '--state-dir', stateDir, ...extra]);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c) => (stderr = (stderr + c).slice(-2000)));
  const deviceId = await new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`receiver agent not ready within ${timeoutMs} ms: ${stderr.trim()}`));
    }, timeoutMs);
    onAgentEvents(child, (e) => {
      if (e.event === 'ready') {
        clearTimeout(timer);
        resolveReady(e.deviceId);
      }
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`receiver agent exited (${code}) before ready: ${stderr.trim()}`));
    });
  });
  return { child, deviceId };
}

/** Writes `bytes` random bytes to `path`; returns the file's SHA-256 (hex). */
export async function randomFile(path, bytes) {
  const MiB = 1024 * 1024;
  const hash = createHash('sha256');
  const handle = await open(path, 'w');
  try {
    for (let written = 0; written < bytes; written += 8 * MiB) {
      const data = randomBytes(Math.min(8 * MiB, bytes - written));
      hash.update(data);
      await handle.write(data);
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

/** SHA-256 (hex) of a file; undefined when it cannot be read. */
export async function sha256File(path) {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) hash.update(chunk);
  } catch {
    return undefined;
  }
  return hash.digest('hex');
}

const sha256 = (data) => createHash('sha256').update(data).digest('hex');

/**
 * A tree of `count` files of 0..maxBytes random bytes, `perFolder` per folder; returns the
 * expected map of relative path -> SHA-256 and the total bytes.
 */
export async function makeTree(dir, count, maxBytes, perFolder = 100) {
  const expected = new Map();
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const folder = `d${String(Math.floor(i / perFolder)).padStart(4, '0')}`;
    if (i % perFolder === 0) await mkdir(join(dir, folder), { recursive: true });
    const data = randomBytes(randomInt(0, maxBytes + 1));
    const rel = `${folder}/f${i}.bin`;
    await writeFile(join(dir, rel), data);
    expected.set(rel, sha256(data));
    bytes += data.length;
  }
  return { expected, bytes };
}

/** How many files of `expected` (relative path -> SHA-256) are under `dir` with the right content. */
export async function countIntact(dir, expected) {
  let intact = 0;
  for (const [rel, hash] of expected) {
    const got = await readFile(join(dir, rel)).catch(() => undefined);
    if (got && sha256(got) === hash) intact++;
  }
  return intact;
}

/** Median, min and max of numbers (undefined entries skipped); undefined when none. */
export function spread(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { median, min: v[0], max: v[v.length - 1], n: v.length };
}

/** One line for a send that did not end verified. */
export function describeFailure(label, { code, failure }) {
  return `${label} | failed (exit ${code}) ${failure ? `${failure.code}: ${failure.message}` : ''}`;
}
