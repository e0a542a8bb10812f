import { spawn } from 'node:child_process';
import { cpSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** What a fresh clone does not have: installed packages, build output, caches, version control. */
const NOT_IN_A_CLONE = new Set(['node_modules', 'dist', '.nx', 'coverage', '.git', 'tmp']);

/**
 * A checkout as a fresh clone has it, made from the working tree (uncommitted work included,
 * which `git clone` would miss): no build output anywhere. node_modules is the one thing taken
 * from this checkout, as a link: it is what `npm ci` makes from the same lockfile, and
 * installing it again would cost a minute of the test's time and test npm, not fileshare.
 */
export function copyCheckout(destination: string): void {
  cpSync(ROOT, destination, {
    recursive: true,
    filter: (source) => {
      const name = basename(source);
      if (name.endsWith('.tsbuildinfo')) return false;
      // tmp/ is ignored at the root only (.gitignore: /tmp/).
      if (name === 'tmp' && dirname(source) !== ROOT) return true;
      return !NOT_IN_A_CLONE.has(name) || relative(ROOT, source) === '';
    },
  });
  symlinkSync(join(ROOT, 'node_modules'), join(destination, 'node_modules'));
}

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (no shell, no terminal) and collects its output. */
export function run(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Ran> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}
