import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { describeError } from '../errors.js';

/**
 * How long we wait to hear whether the file manager started. xdg-open usually exits within
 * a second; one still running after this launched something, and we stop waiting (it is detached).
 */
export const OPEN_WAIT_MS = 3000;

export type OpenResult = { opened: true; command: string } | { opened: false; reason: string };

export interface OpenFolderOptions {
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  spawn?: (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;
  waitMs?: number;
}

/** The command that opens a folder in the desktop's file manager here, or why there is none. */
export function folderOpener(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): { command: string } | { reason: string } {
  if (platform === 'darwin') return { command: 'open' };
  if (platform === 'linux' || platform === 'freebsd' || platform === 'openbsd' || platform === 'netbsd') {
    // Without a display (ssh, a console) xdg-open falls back to text browsers that would take
    // over this terminal: there is nothing to show the folder in.
    if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return { reason: 'no graphical desktop here (DISPLAY and WAYLAND_DISPLAY are not set)' };
    return { command: 'xdg-open' };
  }
  return { reason: `opening folders is not supported on ${platform}` };
}

/**
 * Opens `path` in the file manager: the opener runs detached with no terminal (it must not draw
 * on ours, and must outlive us if it likes), and its failure comes back as a reason instead of
 * an exception. Never rejects, never waits longer than `waitMs`.
 */
export async function openFolder(path: string, options: OpenFolderOptions = {}): Promise<OpenResult> {
  try {
    if (!(await stat(path)).isDirectory()) return { opened: false, reason: `${path} is not a folder` };
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    return { opened: false, reason: missing ? `${path} no longer exists` : `cannot read ${path}: ${describeError(error)}` };
  }
  const env = options.env ?? process.env;
  const opener = folderOpener(options.platform ?? process.platform, env);
  if ('reason' in opener) return { opened: false, reason: opener.reason };
  const { command } = opener;
  const spawn = options.spawn ?? nodeSpawn;

  return new Promise<OpenResult>((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(command, [path], { detached: true, stdio: 'ignore', env });
    } catch (error) {
      resolve({ opened: false, reason: `${command} could not start: ${describeError(error)}` });
      return;
    }
    const timer = setTimeout(() => finish({ opened: true, command }), options.waitMs ?? OPEN_WAIT_MS);
    timer.unref();
    let done = false;
    function finish(result: OpenResult): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(result);
    }
    // Listeners stay: an `error` without one would crash the app, however late it comes.
    child.on('error', (error: NodeJS.ErrnoException) => {
      finish({ opened: false, reason: error.code === 'ENOENT' ? `${command} is not installed` : `${command} could not start: ${describeError(error)}` });
    });
    child.once('exit', (code, signal) => {
      if (code === 0) finish({ opened: true, command });
      else finish({ opened: false, reason: signal !== null ? `${command} was stopped by ${signal}` : `${command} failed (exit status ${code ?? '?'})` });
    });
    // Our exit must not wait for the file manager.
    child.unref();
  });
}
