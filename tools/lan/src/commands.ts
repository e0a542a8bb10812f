import { execFile, execFileSync } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { COMMAND_TIMEOUT_MS } from './constants.js';
import { LanError } from './errors.js';

/** Directories where Debian keeps `ip` and `nft`, searched even when PATH lacks sbin. */
const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** Absolute path of an executable on PATH (or in sbin), or undefined. */
export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean), ...SBIN_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

let ipPath: string | undefined;
let nftPath: string | undefined;

export function ipCommand(): string {
  ipPath ??= findExecutable('ip') ?? 'ip';
  return ipPath;
}

export function nftCommand(): string {
  nftPath ??= findExecutable('nft') ?? 'nft';
  return nftPath;
}

function describeCommand(file: string, args: readonly string[]): string {
  return [file, ...args].join(' ');
}

/** Runs one rig command; rejects with ERR_LAN_COMMAND_FAILED carrying its stderr. */
export function run(file: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { encoding: 'utf8', timeout: COMMAND_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const detail = stderr.trim() || error.message;
          reject(new LanError('ERR_LAN_COMMAND_FAILED', `\`${describeCommand(file, args)}\` failed: ${detail}`, { cause: error }));
        } else {
          resolve(stdout);
        }
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Synchronous twin of run() for the process 'exit' handler, where nothing async runs. */
export function runSync(file: string, args: readonly string[], input?: string): string {
  try {
    return execFileSync(file, args, {
      encoding: 'utf8',
      input,
      timeout: COMMAND_TIMEOUT_MS,
      killSignal: 'SIGKILL',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    const detail = typeof stderr === 'string' && stderr.trim() ? stderr.trim() : String(error);
    throw new LanError('ERR_LAN_COMMAND_FAILED', `\`${describeCommand(file, args)}\` failed: ${detail}`, { cause: error });
  }
}

export function ip(args: readonly string[], input?: string): Promise<string> {
  return run(ipCommand(), args, input);
}

export function ipSync(args: readonly string[], input?: string): string {
  return runSync(ipCommand(), args, input);
}

/** `ip -batch -` reads one command per line; -force keeps going past a failing line. */
export function ipBatch(lines: readonly string[], options: { netns?: string; force?: boolean } = {}): Promise<string> {
  const args = [...(options.netns ? ['-n', options.netns] : []), ...(options.force ? ['-force'] : []), '-batch', '-'];
  return ip(args, lines.join('\n') + '\n');
}

/** Pids of processes inside a namespace; empty when it is gone. */
export function netnsPidsSync(netns: string): number[] {
  try {
    return parsePids(ipSync(['netns', 'pids', netns]));
  } catch {
    return [];
  }
}

export async function netnsPids(netns: string): Promise<number[]> {
  try {
    return parsePids(await ip(['netns', 'pids', netns]));
  } catch {
    return [];
  }
}

function parsePids(output: string): number[] {
  return output
    .split(/\s+/)
    .map(Number)
    .filter((pid) => Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid);
}

/** SIGKILL, ignoring processes that are already gone. */
export function killQuietly(pidOrGroup: number): void {
  try {
    process.kill(pidOrGroup, 'SIGKILL');
  } catch {
    // already gone
  }
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
