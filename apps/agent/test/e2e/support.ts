import type { ChildProcess } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LanHost } from '@fileshare/lan';
import { deviceIdFromPublicKey, rawEd25519PublicKey } from '@fileshare/core';

const here = dirname(fileURLToPath(import.meta.url));
export const AGENT_MAIN = resolve(here, '../../dist/main.js');
export const FIXTURES = resolve(here, '../fixtures');

export type AgentEvent = { event: string; [key: string]: unknown };

/** Calls `onObject` with each line the child prints on stdout that is a JSON object; other lines are skipped. */
export function onJsonLines(child: ChildProcess, onObject: (value: Record<string, unknown>) => void): void {
  let buffered = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        continue;
      }
      if (typeof value === 'object' && value !== null) onObject(value as Record<string, unknown>);
    }
  });
}

const MAX_STDERR_LINES = 200_000;

/** An agent running inside a rig host, with its JSON-lines events collected as they come. */
export class AgentProcess {
  readonly events: AgentEvent[] = [];
  stderr = '';
  /** Every stderr line (the verbose log), kept whole for counting; bounded so a runaway log cannot eat the test's memory. */
  readonly stderrLines: string[] = [];
  private stderrPartial = '';
  readonly exited: Promise<number | null>;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly host: LanHost,
    readonly child: ChildProcess,
  ) {
    onJsonLines(child, (value) => {
      this.events.push({ ...(value as AgentEvent), at: Date.now() });
      for (const wake of [...this.waiters]) wake();
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-20000);
      const parts = (this.stderrPartial + chunk).split('\n');
      this.stderrPartial = parts.pop() ?? '';
      if (this.stderrLines.length < MAX_STDERR_LINES) this.stderrLines.push(...parts);
    });
    // 'close', not 'exit': by then every line the agent printed has been read.
    this.exited = new Promise((resolveExit) => child.once('close', (code: number | null) => resolveExit(code)));
    void this.exited.then(() => {
      for (const wake of [...this.waiters]) wake();
    });
  }

  /** Resolves with the first event (already seen or future) matching; rejects after timeoutMs. */
  waitFor(predicate: (e: AgentEvent) => boolean, timeoutMs: number, what = 'event'): Promise<AgentEvent> {
    return new Promise((resolveEvent, reject) => {
      const check = (): boolean => {
        const found = this.events.find(predicate);
        if (found) {
          cleanup();
          resolveEvent(found);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} on host ${this.host.index}; stderr:\n${this.stderr.slice(-3000)}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
      };
      const wake = (): void => void check();
      this.waiters.add(wake);
      check();
    });
  }

  ready(timeoutMs = 15000): Promise<AgentEvent> {
    return this.waitFor((e) => e.event === 'ready', timeoutMs, 'ready');
  }

  async deviceId(): Promise<string> {
    return (await this.ready()).deviceId as string;
  }

  /** stderr lines (from index `from` on) that match. */
  logMatching(pattern: RegExp, from = 0): string[] {
    return this.stderrLines.slice(from).filter((line) => pattern.test(line));
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

export function startAgent(host: LanHost, args: string[]): AgentProcess {
  return new AgentProcess(host, host.spawn(process.execPath, [AGENT_MAIN, ...args]));
}

export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `fileshare-e2e-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export const isState = (peerId: string, state: string) => (e: AgentEvent) =>
  e.event === 'peer-state' && e.peerId === peerId && e.state === state;

/** A device key made by the test, so it knows the id (and so the tie-break order) before starting anything. */
export interface TestKey {
  id: string;
  pem: string;
}

/** A fresh Ed25519 device key whose id satisfies `wanted` (e.g. a first hex digit in a range). */
export function keyWhere(wanted: (id: string) => boolean = () => true, maxTries = 100_000): TestKey {
  for (let i = 0; i < maxTries; i++) {
    const { privateKey } = generateKeyPairSync('ed25519');
    const id = deviceIdFromPublicKey(rawEd25519PublicKey(privateKey));
    if (wanted(id)) return { id, pem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() };
  }
  throw new Error('no key with the wanted id');
}

/** An id starting with one of `digits` (hex). */
export const startsWithOneOf = (digits: string) => (id: string) => digits.includes(id[0]!);

/** A state folder (0700) holding `key` as the agent's device key (0600): the agent starts with that id. */
export async function stateDirFor(prefix: string, key: TestKey): Promise<{ path: string; remove(): Promise<void> }> {
  const dir = await tempDir(prefix);
  await writeFile(join(dir.path, 'device-key.pem'), key.pem, { mode: 0o600 });
  return dir;
}

/** Resident set size of a process in MB (VmRSS of /proc/<pid>/status), undefined once it is gone. */
export function rssMb(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; keeps the peak. */
export class RssSampler {
  peak = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    everyMs = 100,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  sample(): number {
    const now = rssMb(this.pid) ?? 0;
    this.peak = Math.max(this.peak, now);
    return now;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** A fixture process (attacker.mjs and friends) whose JSON lines are collected. */
export class FixtureProcess {
  readonly lines: Record<string, unknown>[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;
  private readonly waiters = new Set<() => void>();

  constructor(readonly child: ChildProcess) {
    onJsonLines(child, (line) => {
      this.lines.push(line);
      for (const wake of [...this.waiters]) wake();
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-10000);
    });
    this.exited = new Promise((resolveExit) => child.once('close', (code: number | null) => resolveExit(code)));
    void this.exited.then(() => {
      for (const wake of [...this.waiters]) wake();
    });
  }

  of(type: string): Record<string, unknown>[] {
    return this.lines.filter((l) => l.type === type);
  }

  /** The first line of `type` (seen or future); rejects after timeoutMs or when the process ends without it. */
  waitFor(type: string, timeoutMs: number): Promise<Record<string, unknown>> {
    return new Promise((resolveLine, reject) => {
      let ended = false;
      void this.exited.then(() => (ended = true));
      const check = (): void => {
        const found = this.lines.find((l) => l.type === type);
        if (found) {
          cleanup();
          resolveLine(found);
        } else if (ended || this.child.exitCode !== null) {
          cleanup();
          reject(new Error(`fixture ended without a "${type}" line; stderr:\n${this.stderr.slice(-3000)}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for "${type}" from the fixture; stderr:\n${this.stderr.slice(-3000)}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Its final {"type":"done"} summary. */
  done(timeoutMs: number): Promise<Record<string, unknown>> {
    return this.waitFor('done', timeoutMs);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

/** Runs `attacker.mjs <mode> <options>` on a rig host. */
export function startAttacker(host: LanHost, mode: string, options: Record<string, unknown>): FixtureProcess {
  return new FixtureProcess(host.spawn(process.execPath, [join(FIXTURES, 'attacker.mjs'), mode, JSON.stringify(options)]));
}

export const MiB = 1024 * 1024;

/** A file of `bytes` random bytes (incompressible, so nothing on the way can shortcut it). */
export async function randomFile(path: string, bytes: number): Promise<void> {
  const handle = await open(path, 'w');
  try {
    for (let written = 0; written < bytes; ) {
      const chunk = randomBytes(Math.min(8 * MiB, bytes - written));
      await handle.write(chunk);
      written += chunk.length;
    }
  } finally {
    await handle.close();
  }
}

/** SHA-256 of a file, streamed. */
export function sha256(path: string): Promise<string> {
  return new Promise((done, fail) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (c) => hash.update(c))
      .on('end', () => done(hash.digest('hex')))
      .on('error', fail);
  });
}
