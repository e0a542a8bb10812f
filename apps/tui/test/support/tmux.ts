import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { LanHost } from '@fileshare/lan';

const run = promisify(execFile);

/**
 * One tmux server of its own per test file (`tmux -L <unique socket>`), so parallel runs and a
 * user's own tmux are never touched, and the keys and screen of its session `session`.
 */
export class TmuxPane {
  readonly socket: string;
  private socketPath: string | undefined;

  constructor(
    prefix: string,
    readonly session: string,
  ) {
    this.socket = `${prefix}-${process.pid}-${randomBytes(3).toString('hex')}`;
  }

  /** Runs a tmux command on this server; its stdout (large panes and buffers included). */
  readonly tmux = async (...args: string[]): Promise<string> => (await run('tmux', ['-L', this.socket, ...args], { maxBuffer: 64 * 1024 * 1024 })).stdout;
  readonly screen = (): Promise<string> => this.tmux('capture-pane', '-p', '-t', this.session);
  readonly keys = (...k: string[]): Promise<string> => this.tmux('send-keys', '-t', this.session, ...k);
  readonly type = (text: string): Promise<string> => this.tmux('send-keys', '-t', this.session, '-l', text);
  /** A real paste: tmux writes the buffer to the pane as one piece, as a terminal does on drop. */
  readonly paste = async (text: string): Promise<void> => {
    await this.tmux('set-buffer', '-b', 'drop', text);
    await this.tmux('paste-buffer', '-d', '-b', 'drop', '-t', this.session);
  };

  /** Polls the pane until `match` is on it; fails with the last screen. */
  readonly waitForScreen = async (match: RegExp | ((s: string) => boolean), timeoutMs = 30000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      last = await this.screen();
      if (typeof match === 'function' ? match(last) : match.test(last)) return last;
      if (Date.now() > deadline) throw new Error(`screen never matched ${String(match)}; last screen:\n${last}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  /**
   * Starts the session inside `host`'s namespace, running the shell command `command` in a
   * terminal of `columns` x `rows`, and remembers where the server's socket is (so
   * {@link close} can remove it).
   */
  async start(host: LanHost, command: string, size: { columns: number; rows: number }): Promise<void> {
    await host.exec('tmux', ['-L', this.socket, 'new-session', '-d', '-s', this.session, '-x', String(size.columns), '-y', String(size.rows), command]);
    this.socketPath = (await this.tmux('display-message', '-p', '#{socket_path}')).trim();
  }

  /** Ends the server; its socket file may stay behind when it ran in a namespace's mount namespace. */
  async close(): Promise<void> {
    await run('tmux', ['-L', this.socket, 'kill-server']).catch(() => undefined);
    if (this.socketPath) await rm(this.socketPath, { force: true });
  }
}
