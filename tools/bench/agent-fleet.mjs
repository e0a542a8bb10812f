// What the scale benchmark and the soak share: long-running `fileshare-agent run` processes on rig
// hosts with their JSON events kept and awaitable, per-process readings from /proc (CPU time,
// RSS, threads, open file descriptors), and a work folder that is removed on every way out.
import { rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentMain, cpuSeconds, onAgentEvents } from './rig-support.mjs';

/** How long a stopped agent (SIGTERM) has to exit before it is killed and the stop counts as hung. */
export const AGENT_STOP_TIMEOUT_MS = 10_000;

/** Resolves after `ms`; the timer does not keep the process alive. */
export const sleep = (ms) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms).unref());

/** One `fileshare-agent run --json` on a rig host, with every event it printed. */
export class RunAgent {
  /** @param {import('../lan/dist/index.js').LanHost} host */
  constructor(host, args, label) {
    this.host = host;
    this.label = label;
    this.events = [];
    this.stderr = '';
    this.startedAt = performance.now();
    this.child = host.spawn(process.execPath, [agentMain, 'run', '--json', ...args]);
    this.pid = this.child.pid;
    this.waiters = new Set();
    this.exitCode = undefined;
    this.exitSignal = undefined;
    onAgentEvents(this.child, (e) => {
      this.events.push(e);
      if (e.event === 'ready') this.readyEvent = e;
      this.wake();
    });
    this.child.stderr.setEncoding('utf8').on('data', (c) => (this.stderr = (this.stderr + c).slice(-4000)));
    // 'close', not 'exit': every line it printed has been read by then.
    this.closed = new Promise((resolveClose) =>
      this.child.once('close', (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        this.wake();
        resolveClose(code);
      }),
    );
  }

  get running() {
    return this.exitCode === undefined;
  }

  get deviceId() {
    return this.readyEvent?.deviceId;
  }

  wake() {
    for (const w of [...this.waiters]) w();
  }

  /**
   * The first event (seen or future) matching `predicate`; rejects after `timeoutMs` or when the
   * agent exits without one.
   */
  waitFor(predicate, timeoutMs, what) {
    return new Promise((resolveEvent, reject) => {
      const check = () => {
        const found = this.events.find(predicate);
        if (found) return finish(() => resolveEvent(found));
        if (!this.running) finish(() => reject(new Error(`${this.label} exited (${this.exitCode ?? this.exitSignal}) before ${what}: ${this.lastStderr()}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`${this.label}: no ${what} within ${timeoutMs / 1000} s: ${this.lastStderr()}`))), timeoutMs);
      const finish = (settle) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        settle();
      };
      this.waiters.add(check);
      check();
    });
  }

  ready(timeoutMs) {
    return this.waitFor((e) => e.event === 'ready', timeoutMs, 'ready');
  }

  /** The line of its stderr that names the error (a crash ends with a stack and Node's version), else the last lines. */
  lastStderr() {
    const lines = this.stderr.trim().split('\n');
    return lines.find((l) => /Error|ERR_/.test(l)) ?? lines.slice(-3).join(' / ');
  }

  /**
   * SIGTERM, then SIGKILL after AGENT_STOP_TIMEOUT_MS. Resolves with how it ended:
   * `{ code, hung }`, hung = it had to be killed.
   */
  async stop() {
    if (!this.running) return { code: this.exitCode, hung: false };
    this.child.kill('SIGTERM');
    let timer;
    const hung = await Promise.race([
      this.closed.then(() => false),
      new Promise((resolveHung) => (timer = setTimeout(() => resolveHung(true), AGENT_STOP_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    if (hung) {
      this.child.kill('SIGKILL');
      await this.closed;
    }
    return { code: this.exitCode, hung };
  }

  /** SIGKILL (a crash); resolves once it is gone. */
  async crash() {
    if (this.running) this.child.kill('SIGKILL');
    await this.closed;
  }
}

/** Peers whose `peer-state` is `connected` as of the agent's latest event for each. */
export function connectedPeers(agent) {
  const state = new Map();
  for (const e of agent.events) if (e.event === 'peer-state') state.set(e.peerId, e.state);
  return new Set([...state].filter(([, s]) => s === 'connected').map(([id]) => id));
}

/**
 * A process's readings: CPU seconds so far (all threads), resident memory (VmRSS, MiB), thread
 * count and open file descriptors. Undefined once it is gone.
 */
export async function processReadings(pid) {
  try {
    const [cpu, status, fds] = await Promise.all([cpuSeconds(pid), readFile(`/proc/${pid}/status`, 'utf8'), readdir(`/proc/${pid}/fd`)]);
    const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
    if (cpu === undefined) return undefined;
    return { cpu, rssMiB: field('VmRSS') / 1024, threads: field('Threads'), fds: fds.length };
  } catch {
    return undefined;
  }
}

/**
 * A fresh folder under the system temp folder that is deleted however the process ends: normally,
 * on an error, or on Ctrl-C / SIGTERM (which then exit with 128 + signal; the LAN rig's own exit
 * handler deletes the namespaces and kills what runs in them). With `onFirstSignal`, the first
 * Ctrl-C / SIGTERM calls it instead (to wind down and report) and only a second one exits at once.
 */
export async function workFolder(tag, { onFirstSignal } = {}) {
  const path = await mkdtemp(join(tmpdir(), `fileshare-${tag}-`));
  const remove = () => rmSync(path, { recursive: true, force: true });
  process.once('exit', remove);
  let signalled = false;
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
    process.on(signal, () => {
      if (onFirstSignal && !signalled) {
        signalled = true;
        console.error(`\n${signal}: winding down (again to stop at once)`);
        onFirstSignal(signal);
        return;
      }
      console.error(`\n${signal}: stopping, cleaning up`);
      process.exit(code);
    });
  }
  return path;
}

/** Median and max of numbers (undefined entries skipped); undefined when none. */
export function medianMax(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = v.length >> 1;
  return { median: v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2, max: v[v.length - 1] };
}
