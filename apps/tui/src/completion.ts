import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

export interface PathCompletion {
  /** The input after completion (unchanged when nothing matched). */
  value: string;
  /** Matching names when several remain (folders end in `/`); empty otherwise. */
  candidates: string[];
}

export interface CompletionContext {
  /** Folder relative input is read against. Default `process.cwd()`. */
  cwd?: string;
  /** What a leading `~` stands for. Default `os.homedir()`. */
  home?: string;
}

/**
 * Shell-style completion of the last path segment: one match is completed in full (a folder
 * gets a trailing `/` so the next tab goes inside it), several are completed to their common
 * prefix and listed. Hidden entries are offered only once the segment starts with a dot.
 */
export async function completePath(input: string, context: CompletionContext = {}): Promise<PathCompletion> {
  if (input === '~') return { value: '~/', candidates: [] };
  const cut = input.lastIndexOf('/');
  const dirPart = input.slice(0, cut + 1);
  const prefix = input.slice(cut + 1);
  const folder = resolveInput(dirPart === '' ? '.' : dirPart, context);

  let names: { name: string; dir: boolean }[];
  try {
    const entries = await readdir(folder, { withFileTypes: true });
    names = await Promise.all(
      entries
        .filter((e) => e.name.startsWith(prefix) && (prefix.startsWith('.') || !e.name.startsWith('.')))
        .map(async (e) => ({ name: e.name, dir: e.isDirectory() || (e.isSymbolicLink() && (await isDirectory(join(folder, e.name)))) })),
    );
  } catch {
    return { value: input, candidates: [] };
  }

  if (names.length === 0) return { value: input, candidates: [] };
  if (names.length === 1) {
    const only = names[0]!;
    return { value: dirPart + only.name + (only.dir ? '/' : ''), candidates: [] };
  }
  names.sort((a, b) => a.name.localeCompare(b.name));
  const common = commonPrefix(names.map((n) => n.name));
  return { value: dirPart + common, candidates: names.map((n) => n.name + (n.dir ? '/' : '')) };
}

/** Turns what the user typed into an absolute path (`~` expanded, relative to `cwd`). */
export function resolveInput(typed: string, context: CompletionContext = {}): string {
  const home = context.home ?? homedir();
  let path = typed;
  if (path === '~') path = home;
  else if (path.startsWith('~/')) path = join(home, path.slice(2));
  return isAbsolute(path) ? resolve(path) : resolve(context.cwd ?? process.cwd(), path);
}

function commonPrefix(words: string[]): string {
  let prefix = words[0] ?? '';
  for (const w of words) {
    let i = 0;
    while (i < prefix.length && i < w.length && prefix[i] === w[i]) i++;
    prefix = prefix.slice(0, i);
  }
  return prefix;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Resolves a typed path and checks that it names a file or folder; returns a sentence otherwise. */
export async function checkPath(typed: string, context: CompletionContext = {}): Promise<{ ok: true; path: string } | { ok: false; message: string }> {
  const path = resolveInput(typed.trim(), context);
  try {
    const s = await stat(path);
    if (!s.isFile() && !s.isDirectory()) return { ok: false, message: `${typed} is neither a file nor a folder.` };
    return { ok: true, path };
  } catch {
    return { ok: false, message: `No file or folder at ${typed}.` };
  }
}
