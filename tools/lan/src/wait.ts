import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { LanError } from './errors.js';

export interface WaitForOutputOptions {
  /** Give up after this long; default 10000 ms. */
  timeoutMs?: number;
  /** Which stream to watch; default 'stdout'. */
  stream?: 'stdout' | 'stderr';
  signal?: AbortSignal;
}

/** Every line a stream printed, kept so that consecutive waits never lose lines of one chunk. */
class LineTap extends EventEmitter {
  readonly lines: string[] = [];
  cursor = 0;
  ended = false;
  private partial = '';

  constructor(source: Readable) {
    super();
    source.setEncoding('utf8');
    source.on('data', (chunk: string) => {
      this.partial += chunk;
      let nl: number;
      while ((nl = this.partial.indexOf('\n')) >= 0) {
        this.lines.push(this.partial.slice(0, nl).replace(/\r$/, ''));
        this.partial = this.partial.slice(nl + 1);
      }
      this.emit('change');
    });
    source.on('close', () => {
      if (this.partial) this.lines.push(this.partial);
      this.partial = '';
      this.ended = true;
      this.emit('change');
    });
  }
}

const taps = new WeakMap<Readable, LineTap>();

function tapOf(source: Readable): LineTap {
  let tap = taps.get(source);
  if (!tap) {
    tap = new LineTap(source);
    taps.set(source, tap);
  }
  return tap;
}

/**
 * Resolves with the next line of a child's output that matches (substring or RegExp), so tests
 * wait on what a process says instead of sleeping. Lines are consumed in order: a later call
 * only sees lines after the one an earlier call matched. Rejects with ERR_LAN_TIMEOUT, or with
 * ERR_LAN_COMMAND_FAILED when the stream ends first. The child must be spawned with pipes;
 * once waited on, the stream is read by the rig (do not also attach your own 'data' reader).
 */
export function waitForOutput(
  child: ChildProcess,
  match: string | RegExp,
  options: WaitForOutputOptions = {},
): Promise<string> {
  const { timeoutMs = 10000, stream = 'stdout', signal } = options;
  const source = child[stream];
  if (!source) {
    return Promise.reject(new LanError('ERR_LAN_INVALID_ARGUMENT', `Child has no ${stream} pipe; spawn it with stdio 'pipe'.`));
  }
  const tap = tapOf(source);
  const matches = (line: string): boolean => (typeof match === 'string' ? line.includes(match) : match.test(line));
  const tail = (): string => tap.lines.slice(-5).join(' | ');

  return new Promise((resolve, reject) => {
    const finish = (error: Error | undefined, line?: string): void => {
      clearTimeout(timer);
      tap.off('change', check);
      signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(line ?? '');
    };
    const check = (): void => {
      while (tap.cursor < tap.lines.length) {
        const line = tap.lines[tap.cursor++] ?? '';
        if (matches(line)) {
          finish(undefined, line);
          return;
        }
      }
      if (tap.ended) {
        finish(new LanError('ERR_LAN_COMMAND_FAILED', `Output ended before a line matching ${String(match)}; last lines: ${tail()}`));
      }
    };
    const onAbort = (): void => {
      finish(signal?.reason instanceof Error ? signal.reason : new LanError('ERR_LAN_TIMEOUT', 'Aborted.'));
    };
    const timer = setTimeout(() => {
      finish(new LanError('ERR_LAN_TIMEOUT', `No output matching ${String(match)} within ${timeoutMs} ms; last lines: ${tail()}`));
    }, timeoutMs);
    if (signal?.aborted) {
      onAbort();
      return;
    }
    tap.on('change', check);
    signal?.addEventListener('abort', onAbort, { once: true });
    check();
  });
}
