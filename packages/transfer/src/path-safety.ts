import { MAX_TRANSFER_FILES, MAX_TRANSFER_PATH_BYTES, MAX_TRANSFER_SEGMENT_BYTES, type TransferEntry } from '@fileshare/protocol';
import { PARTIAL_DIR_NAME } from './constants.js';

/**
 * Receiver-side rules for relative paths in an offer. A path passes only if joining it to any
 * folder can only name something inside that folder, on Linux, macOS and Windows alike: the
 * offer comes from the network and is never trusted.
 */

// C0 and C1 controls and DEL: terminals interpret them, some file systems refuse them.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// Bidirectional controls reorder what a person sees: `invoice\u202Etxt.exe` shows as `invoiceexe.txt`.
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const BIDI_ALL = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const DRIVE = /^[A-Za-z]:/;
const ASCII = /^[\u0000-\u007f]*$/;
const WINDOWS_DEVICES = new Set([
  'CON', 'PRN', 'AUX', 'NUL', 'CONIN$', 'CONOUT$', 'CLOCK$',
  ...['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '\u00b9', '\u00b2', '\u00b3'].flatMap((d) => [`COM${d}`, `LPT${d}`]),
]);

function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function codePoint(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * The form in which a receiver writes a name: NFC. Linux stores whatever bytes it is given, so
 * without this an NFD `café.txt` (as macOS produces) would land next to an NFC one as a second,
 * identical-looking file instead of being numbered.
 */
export function writtenForm(path: string): string {
  return ASCII.test(path) ? path : path.normalize('NFC');
}

/**
 * The key under which two names count as the same: NFC, then case folded. JavaScript has no
 * case-folding function; lower(upper(lower(s))) maps every case variant of a letter to one form
 * (`ß`/`ẞ` -> `ss`, `ſ` -> `s`, the Kelvin sign -> `k`, `ﬀ` -> `ff`).
 */
export function sameNameKey(name: string): string {
  // ASCII (most names) is its own NFC, and its case folding is plain lowercasing.
  if (ASCII.test(name)) return name.toLowerCase();
  return name.normalize('NFC').toLowerCase().toUpperCase().toLowerCase().normalize('NFC');
}

/** Compatibility variants too (full-width letters, ligatures): for the one name we reserve. */
function reservedKey(name: string): string {
  return sameNameKey(name.normalize('NFKC')).normalize('NFKC');
}

/** True for a top-level name that means our partial-data folder on some file system or to some reader. */
export function isReservedTopName(segment: string): boolean {
  return reservedKey(segment) === PARTIAL_DIR_NAME;
}

/** Why one segment (a file or folder name) is unsafe, or undefined when it is fine. */
export function segmentProblem(segment: string): string | undefined {
  if (segment.length === 0) return 'has an empty path segment';
  if (segment === '.' || segment === '..') return `contains "${segment}"`;
  if (/^[. ]+$/.test(segment)) return 'has a segment made only of dots and spaces';
  if (utf8Bytes(segment) > MAX_TRANSFER_SEGMENT_BYTES) return `has a name longer than ${MAX_TRANSFER_SEGMENT_BYTES} bytes`;
  if (DRIVE.test(segment)) return 'looks like a drive letter';
  // Windows resolves "CON", "con.txt" and "CON .txt" alike to the console device. Every device
  // name starts with A, C, L, N or P: other names skip the work.
  if (!/^[ACLNPacnlp]/.test(segment)) return undefined;
  const stem = segment.split('.')[0]!.replace(/[ ]+$/, '').toUpperCase();
  if (WINDOWS_DEVICES.has(stem)) return `uses the reserved device name "${stem}"`;
  return undefined;
}

function formProblem(path: string): string | undefined {
  if (CONTROL.test(path)) return 'contains a control character';
  const bidi = BIDI.exec(path);
  if (bidi) return `contains a bidirectional control character (${codePoint(bidi[0])})`;
  if (path.includes('\\')) return 'contains a backslash';
  if (path.startsWith('/')) return 'is absolute';
  if (utf8Bytes(path) > MAX_TRANSFER_PATH_BYTES) return `is longer than ${MAX_TRANSFER_PATH_BYTES} bytes`;
  for (const segment of path.split('/')) {
    const problem = segmentProblem(segment);
    if (problem) return problem;
  }
  return undefined;
}

/** Why a relative path is unsafe, or undefined when it is fine: as offered, and in the form it is written. */
export function pathProblem(path: string): string | undefined {
  if (typeof path !== 'string' || path.length === 0) return 'is empty';
  const problem = formProblem(path);
  if (problem) return problem;
  // NFC may lengthen a name (some characters decompose): what is written must pass too.
  const written = writtenForm(path);
  return written === path ? undefined : formProblem(written);
}

export function isSafeRelativePath(path: string): boolean {
  return pathProblem(path) === undefined;
}

/** Shortens a hostile path for an error message and makes control and bidi characters visible. */
export function describePath(path: string): string {
  const shown = path.length > 80 ? `${path.slice(0, 77)}...` : path;
  return JSON.stringify(shown).replace(BIDI_ALL, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Says how two spellings of one name differ, for the message that refuses them. */
function howTheyDiffer(a: string, b: string): string {
  return a.normalize('NFC') === b.normalize('NFC') ? 'one name in two Unicode normalization forms' : 'the same name apart from letter case or Unicode normalization';
}

interface Keyed {
  path: string;
  kind: 'file' | 'directory';
  /** Folded path plus `/`: every entry at or below a path then sorts into one contiguous run. */
  key: string;
}

/** `path` up to (not including) its `n`-th `/`, or all of it when it has fewer. */
function firstSegments(path: string, n: number): string {
  let at = -1;
  for (let i = 0; i < n; i++) {
    at = path.indexOf('/', at + 1);
    if (at < 0) return path;
  }
  return path.slice(0, at);
}

/** The shortest leading segments in which two paths whose first `n` segments fold alike are spelled differently. */
function firstDifference(a: string, b: string, n: number): [string, string] | undefined {
  for (let k = 1; k <= n; k++) {
    const pa = firstSegments(a, k);
    const pb = firstSegments(b, k);
    if (pa !== pb) return [pa, pb];
  }
  return undefined;
}

/**
 * Checks a whole offer's entry list: every path safe, at most {@link MAX_TRANSFER_FILES} entries,
 * folders of size 0, nothing in our partial-data folder (in any case or Unicode form), no two
 * paths that are the same name once case and normalization are ignored (also as the folders on
 * the way: `Photos/a` and `photos/b`), no entry below a file. Returns a sentence for the user,
 * or undefined when the list is acceptable.
 */
export function offerEntriesProblem(entries: readonly Pick<TransferEntry, 'path' | 'kind' | 'size'>[]): string | undefined {
  if (entries.length > MAX_TRANSFER_FILES) return `The offer lists ${entries.length} entries; at most ${MAX_TRANSFER_FILES} are accepted.`;
  const keyed: Keyed[] = [];
  // Folder names repeat across entries: fold each distinct segment once.
  const folds = new Map<string, string>();
  const fold = (segment: string): string => {
    let key = folds.get(segment);
    if (key === undefined) {
      key = sameNameKey(segment);
      folds.set(segment, key);
    }
    return key;
  };
  for (const e of entries) {
    const problem = pathProblem(e.path);
    if (problem) return `The offer names an unsafe path ${describePath(e.path)}: it ${problem}.`;
    const slash = e.path.indexOf('/');
    if (isReservedTopName(slash < 0 ? e.path : e.path.slice(0, slash))) {
      return `The offer names ${describePath(e.path)}, inside the reserved folder ${PARTIAL_DIR_NAME}.`;
    }
    if (e.kind === 'directory' && e.size !== 0) return `The folder ${describePath(e.path)} has a size.`;
    // Folding keeps every `/` and adds none, so segment i of the key is the fold of segment i.
    const folded = ASCII.test(e.path) ? e.path.toLowerCase() : e.path.split('/').map(fold).join('/');
    keyed.push({ path: e.path, kind: e.kind, key: `${folded}/` });
  }
  // Sorted by folded path, any clash shows between neighbours: entries sharing a folded prefix
  // are contiguous, so a prefix spelled two ways is spelled two ways by some adjacent pair, and
  // the entry right after a file is below it if anything is. Memory stays linear in the offer.
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (let i = 1; i < keyed.length; i++) {
    const a = keyed[i - 1]!;
    const b = keyed[i]!;
    const max = Math.min(a.key.length, b.key.length);
    let same = 0;
    while (same < max && a.key.charCodeAt(same) === b.key.charCodeAt(same)) same++;
    // Whole segments the two keys share: the `/`s within the common prefix.
    let segments = 0;
    for (let at = a.key.indexOf('/'); at >= 0 && at < same; at = a.key.indexOf('/', at + 1)) segments++;
    const differ = segments > 0 ? firstDifference(a.path, b.path, segments) : undefined;
    if (differ) {
      const [first, second] = differ;
      return `The offer lists ${describePath(first)} and ${describePath(second)}: ${howTheyDiffer(first, second)}.`;
    }
    if (a.key === b.key) return `The offer lists ${describePath(b.path)} twice.`;
    if (a.kind === 'file' && b.key.startsWith(a.key)) return `The offer puts ${describePath(b.path)} inside the file ${describePath(a.path)}.`;
  }
  return undefined;
}
