import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LanHost } from '@fileshare/lan';

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

/** An agent running inside a rig host, with its JSON-lines events collected as they come. */
export class AgentProcess {
  readonly events: AgentEvent[] = [];
  stderr = '';
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
