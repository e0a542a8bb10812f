import { EventEmitter } from 'node:events';
import { render as inkRender, type Instance } from 'ink';
import type { ReactElement } from 'react';

/** A terminal of a given size that records frames (ink-testing-library's is fixed at 100 columns). */
export class FakeStdout extends EventEmitter {
  readonly frames: string[] = [];
  isTTY = true;
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write = (frame: string): boolean => {
    this.frames.push(frame);
    return true;
  };
  lastFrame = (): string => this.frames.at(-1) ?? '';
  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

export class FakeStdin extends EventEmitter {
  isTTY = true;
  private pending: string[] = [];
  write = (data: string): void => {
    this.pending.push(data);
    this.emit('readable');
  };
  read = (): string | null => this.pending.shift() ?? null;
  setEncoding(): this {
    return this;
  }
  setRawMode(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  pause(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}

export const KEYS = {
  enter: '\r',
  escape: '\u001b',
  tab: '\t',
  up: '\u001b[A',
  down: '\u001b[B',
  backspace: '\u007f',
  ctrlC: '\u0003',
} as const;

const ANSI = /\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007]*\u0007/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

export interface Rendered {
  stdin: FakeStdin;
  stdout: FakeStdout;
  instance: Instance;
  /** The latest frame without colours. */
  frame: () => string;
  /** Resolves with the frame once `predicate` holds for it; rejects with the last frame after `timeoutMs`. */
  waitForFrame: (predicate: string | RegExp | ((frame: string) => boolean), timeoutMs?: number) => Promise<string>;
  /** Types keys one event at a time, as a person would. */
  press: (...keys: string[]) => Promise<void>;
  unmount: () => void;
}

/** Renders like a real terminal of `columns` x `rows`; every test goes through this helper. */
export function renderApp(tree: ReactElement, size: { columns?: number; rows?: number } = {}): Rendered {
  const stdout = new FakeStdout(size.columns ?? 80, size.rows ?? 24);
  const stderr = new FakeStdout(size.columns ?? 80, size.rows ?? 24);
  const stdin = new FakeStdin();
  const instance = inkRender(tree, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  const frame = () => stripAnsi(stdout.lastFrame());
  const waitForFrame = (predicate: string | RegExp | ((frame: string) => boolean), timeoutMs = 3000) =>
    waitFor(() => {
      const f = frame();
      const ok = typeof predicate === 'string' ? f.includes(predicate) : predicate instanceof RegExp ? predicate.test(f) : predicate(f);
      return ok ? f : undefined;
    }, timeoutMs, () => `frame never matched ${String(predicate)}; last frame:\n${frame()}`);
  const press = async (...keys: string[]) => {
    for (const key of keys) {
      await settle();
      stdin.write(key);
      // Let React commit and run its effects before the next key, as between real keystrokes.
      await settle();
    }
  };
  return { stdin, stdout, instance, frame, waitForFrame, press, unmount: () => instance.unmount() };
}

/** Polls `probe` on each turn of the event loop until it returns a value. */
export async function waitFor<T>(probe: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(describe());
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A few turns of the event loop: enough for Ink to render and React to run passive effects. */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}
