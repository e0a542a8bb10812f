import { fileURLToPath } from 'node:url';

export interface PastedPaths {
  /** Each path as meant: quotes and backslash escapes removed, `file://` URLs decoded. */
  paths: string[];
  /**
   * Set when the text used no quoting at all and splits into several words: a plain path with a
   * space copied from a document reads the same as two paths, so callers look this one up on
   * disk first.
   */
  literal?: string;
  /** It ended with a line break, as when a terminal pastes a line: that is an enter. */
  endsWithNewline: boolean;
}

/**
 * Reads what a terminal receives when files are dropped on it or pasted from a file manager:
 * GNOME Terminal and Konsole quote (`'/home/a/My File.txt' `), macOS Terminal and iTerm2 escape
 * (`/home/a/My\ File.txt`), others paste `file://` URLs (RFC 8089, percent-encoded), one per
 * line as text/uri-list has them, and older Nautilus prefixes its `x-special/nautilus-clipboard`
 * header. Words follow POSIX shell quoting: '…' is literal, "…" honours \" \\ \$ \`, and a
 * backslash outside quotes takes the next character as is.
 */
export function parsePastedPaths(text: string): PastedPaths {
  const endsWithNewline = /[\r\n]\s*$/.test(text);
  let lines = text.split(/\r\n|\r|\n/).filter((l) => l.trim() !== '');
  if (lines[0]?.trim() === 'x-special/nautilus-clipboard') {
    lines = lines.slice(1);
    if (lines[0] !== undefined && /^(copy|cut)$/.test(lines[0].trim())) lines = lines.slice(1);
  }
  // text/uri-list allows comment lines; elsewhere a leading # is part of a name.
  if (lines.some((l) => l.trim().startsWith('file://'))) lines = lines.filter((l) => !l.trim().startsWith('#'));

  const paths: string[] = [];
  let quoted = false;
  for (const line of lines) {
    const words = shellWords(line);
    quoted ||= words.quoted;
    // An empty word ('') would name the current folder: never what a paste meant.
    for (const word of words.words) if (word !== '') paths.push(word.startsWith('file://') ? fromFileUrl(word) : word);
  }
  const result: PastedPaths = { paths, endsWithNewline };
  const whole = text.trim();
  if (paths.length > 1 && lines.length === 1 && !quoted && !whole.startsWith('file://')) result.literal = whole;
  return result;
}

function shellWords(line: string): { words: string[]; quoted: boolean } {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === "'") {
      quoted = inWord = true;
      const close = line.indexOf("'", i + 1);
      // An unclosed quote takes the rest of the line: nothing typed is dropped.
      const end = close < 0 ? line.length : close;
      word += line.slice(i + 1, end);
      i = end;
    } else if (ch === '"') {
      quoted = inWord = true;
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && j + 1 < line.length && '"\\$`'.includes(line[j + 1]!)) j++;
        word += line[j];
      }
      i = j;
    } else if (ch === '\\') {
      quoted = inWord = true;
      // A trailing backslash stands for itself.
      word += i + 1 < line.length ? line[++i] : '\\';
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return { words, quoted };
}

/** A `file://` URL as a path; one that names another host or is malformed stays as written, so the check names it. */
function fromFileUrl(url: string): string {
  try {
    return fileURLToPath(url);
  } catch {
    return url;
  }
}

/**
 * The path as a shell word that `parsePastedPaths` reads back unchanged: as is when it has no
 * character a shell treats specially, else in single quotes.
 */
export function quotePath(path: string): string {
  if (path !== '' && /^[\w@%+=:,./~-]+$/.test(path)) return path;
  return `'${path.replaceAll("'", `'\\''`)}'`;
}
