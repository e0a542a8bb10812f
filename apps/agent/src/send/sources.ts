import { constants, createWriteStream, rmSync } from 'node:fs';
import { access, mkdtemp, opendir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { addAbortSignal, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MAX_TRANSFER_TEXT_BYTES } from '@fileshare/core';
import { formatBytes } from '../format.js';
import { UsageError } from '../output.js';

/** The path (and `--text` value) that means "read it from stdin". */
export const STDIN = '-';

/** What one `send` sends, decided from its arguments alone. */
export type SendPlan =
  | { kind: 'files'; paths: string[]; stdinAs?: string }
  | { kind: 'text'; text: string }
  | { kind: 'text-from-stdin' };

const hasControl = (text: string): boolean => [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/** Checks the arguments of `send` (no file system access); throws a UsageError. */
export function planSend(paths: readonly string[], options: { text?: string; as?: string }): SendPlan {
  if (options.text !== undefined) {
    if (paths.length > 0) throw new UsageError('give files and folders to send, or --text, not both.');
    if (options.as !== undefined) throw new UsageError('--as names the file read from stdin (`send - --as NAME`); it does not apply to --text.');
    if (options.text === STDIN) return { kind: 'text-from-stdin' };
    checkTextSize(options.text, 'the text');
    return { kind: 'text', text: options.text };
  }
  if (paths.length === 0) {
    throw new UsageError('nothing to send; name files or folders, use `-` with --as NAME to send stdin as a file, or --text TEXT (--text - reads it from stdin).');
  }
  const fromStdin = paths.filter((p) => p === STDIN).length;
  if (fromStdin > 1) throw new UsageError('`-` (stdin) can be given only once.');
  if (fromStdin === 1 && options.as === undefined) {
    throw new UsageError('`-` sends what comes on stdin as a file; name that file with --as NAME (e.g. `send - --as notes.txt`).');
  }
  if (fromStdin === 0 && options.as !== undefined) throw new UsageError('--as names the file read from stdin; give `-` among the paths to send stdin.');
  if (options.as !== undefined) {
    const name = options.as;
    if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\\') || hasControl(name)) {
      throw new UsageError(`--as takes a file name, not a path: ${JSON.stringify(name)} ${name.includes('/') || name.includes('\\') ? 'contains a path separator' : 'is not a usable name'}.`);
    }
    return { kind: 'files', paths: [...paths], stdinAs: name };
  }
  return { kind: 'files', paths: [...paths] };
}

function checkTextSize(text: string, what: string): void {
  if (text.length === 0) throw new UsageError(`${what} is empty; there is nothing to send.`);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_TRANSFER_TEXT_BYTES) throw textTooLong(what, bytes);
}

function textTooLong(what: string, bytes: number | undefined): UsageError {
  return new UsageError(
    `${what} is ${bytes !== undefined ? `${bytes} bytes` : 'longer than that'}; one text message carries at most ${formatBytes(MAX_TRANSFER_TEXT_BYTES)} (${MAX_TRANSFER_TEXT_BYTES} bytes) of UTF-8. Send it as a file instead, e.g. \`... | fileshare-agent send - --as message.txt --to PEER\`.`,
    'ERR_TEXT_TOO_LARGE',
  );
}

export interface SourceProblem {
  path: string;
  reason: string;
}

function reasonOf(error: unknown, doing: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES' || code === 'EPERM') return `permission denied (${doing})`;
  if (code === 'ENOTDIR') return 'a part of the path is not a folder';
  if (code === 'ELOOP') return 'too many symbolic links (a loop?)';
  return `${doing} failed: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * Checks the paths given to `send` before any node starts or peer is looked for: each exists, is
 * a file or a folder, and can be read (a folder: listed). Returns every problem found, in order.
 * (Files deeper inside a folder are read when sent; an unreadable one fails the transfer then.)
 */
export async function checkSources(paths: readonly string[]): Promise<SourceProblem[]> {
  const problems: SourceProblem[] = [];
  const names = new Map<string, string>();
  for (const path of paths) {
    if (path === STDIN) continue;
    const abs = resolve(path);
    let info;
    try {
      info = await stat(abs);
    } catch (error) {
      problems.push({ path, reason: reasonOf(error, 'looking it up') });
      continue;
    }
    try {
      if (info.isFile()) await access(abs, constants.R_OK);
      else if (info.isDirectory()) await (await opendir(abs)).close();
      else {
        problems.push({ path, reason: 'neither a file nor a folder' });
        continue;
      }
    } catch (error) {
      problems.push({ path, reason: reasonOf(error, info.isDirectory() ? 'listing the folder' : 'reading the file') });
      continue;
    }
    // The receiver gets each item under its own name: two of the same name cannot both arrive.
    const name = basename(abs);
    const earlier = names.get(name);
    if (earlier !== undefined) problems.push({ path, reason: `has the same name as ${earlier}; only one item of a name can be sent at once` });
    else names.set(name, path);
  }
  return problems;
}

/** Reads a text message from `input` (stdin): UTF-8, at most the protocol's limit, not empty. */
export async function readText(input: Readable, signal?: AbortSignal): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  // Ctrl-C while waiting for input ends the wait (the stream is destroyed with an AbortError).
  if (signal !== undefined) addAbortSignal(signal, input);
  for await (const chunk of input.iterator({ destroyOnReturn: false })) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    bytes += buffer.length;
    // Stop at the limit rather than buffering an unbounded stream only to refuse it.
    if (bytes > MAX_TRANSFER_TEXT_BYTES) throw textTooLong('the text on stdin', undefined);
    chunks.push(buffer);
  }
  signal?.throwIfAborted();
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new UsageError('the text on stdin is not UTF-8; send it as a file instead: `send - --as NAME`.', 'ERR_TEXT_NOT_UTF8');
  }
  checkTextSize(text, 'the text on stdin');
  return text;
}

/** A file spooled from stdin into a private temporary folder; remove() deletes the folder. */
export interface Spool {
  /** The file to send: `<private folder>/<NAME>`. */
  readonly path: string;
  remove(): Promise<void>;
}

/**
 * Copies `input` into a file called `name` in a new folder of the system's temporary directory
 * (`$TMPDIR`), readable by us only (folder 0700, file 0600), so that it can be offered with its
 * size known and resumed like any file. The folder is removed on failure; on success the caller
 * removes it once sent; a forced exit in between removes it through `onForcedExit`.
 */
export async function spoolStdin(
  input: Readable,
  name: string,
  signal: AbortSignal,
  /** Registers a synchronous removal for a forced exit (a second Ctrl-C); returns its undo. */
  onForcedExit: (cleanup: () => void) => () => void = () => () => undefined,
): Promise<Spool> {
  const dir = await mkdtemp(join(tmpdir(), 'fileshare-stdin-'));
  const forget = onForcedExit(() => rmSync(dir, { recursive: true, force: true }));
  const spool: Spool = {
    path: join(dir, name),
    remove: async () => {
      await rm(dir, { recursive: true, force: true });
      forget();
    },
  };
  try {
    await pipeline(input, createWriteStream(spool.path, { flags: 'wx', mode: 0o600 }), { signal, end: true });
    return spool;
  } catch (error) {
    await spool.remove();
    throw error;
  }
}
