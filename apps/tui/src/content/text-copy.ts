import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '../errors.js';
import type { CopyResult } from '../state/content-types.js';

/**
 * Longest OSC 52 payload we send (base64 characters, about 75 KB of text). Terminals cap it
 * (hterm and others near 100 000 bytes) and drop longer ones silently; the file has it all.
 */
export const OSC52_MAX_BASE64 = 100_000;

/** Saved-text files with the same second get `-2`, `-3`…; past this many something is wrong. */
const MAX_NAME_TRIES = 1000;

/**
 * The OSC 52 "set clipboard" sequence for `text`, or undefined when it is too long. The
 * terminal (or tmux with `set-clipboard on`) puts it on the system clipboard; the program needs
 * no clipboard tool, and it works over ssh.
 */
export function osc52(text: string): string | undefined {
  const payload = Buffer.from(text, 'utf8').toString('base64');
  if (payload.length > OSC52_MAX_BASE64) return undefined;
  return `\u001b]52;c;${payload}\u0007`;
}

/** `text-20260304-140312.txt` in local time. */
export function textFileName(now: Date, attempt = 1): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `text-${stamp}${attempt > 1 ? `-${attempt}` : ''}.txt`;
}

/**
 * Writes `text` to a new file in `dir` (created if missing) and returns its path. Never
 * overwrites: an existing name gets the next number. Mode 0600: a text is often a password.
 */
export async function saveText(dir: string, text: string, now: Date = new Date()): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (let attempt = 1; attempt <= MAX_NAME_TRIES; attempt++) {
    const path = join(dir, textFileName(now, attempt));
    try {
      await writeFile(path, text, { flag: 'wx', mode: 0o600 });
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new Error(`${MAX_NAME_TRIES} files named like ${textFileName(now)} already exist in ${dir}.`);
}

/** `c` on a received text: the clipboard through the terminal, and a file in the receive folder. */
export async function copyText(text: string, io: { receiveDir: string; writeToTerminal: (data: string) => void; now?: Date }): Promise<CopyResult> {
  const sequence = osc52(text);
  if (sequence !== undefined) io.writeToTerminal(sequence);
  const result: CopyResult = { clipboard: sequence !== undefined ? 'sent' : 'too-long' };
  try {
    result.file = await saveText(io.receiveDir, text, io.now);
  } catch (error) {
    result.fileError = describeError(error);
  }
  return result;
}
