import { MAX_TRANSFER_FILES, MAX_TRANSFER_PATH_BYTES, MAX_TRANSFER_SEGMENT_BYTES, type TransferEntry } from '@fileshare/protocol';
import { PARTIAL_DIR_NAME } from './constants.js';

/**
 * Receiver-side rules for relative paths in an offer. A path passes only if joining it to any
 * folder can only name something inside that folder, on Linux, macOS and Windows alike: the
 * offer comes from the network and is never trusted.
 */

// C0 and C1 controls and DEL: terminals interpret them, some file systems refuse them.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const DRIVE = /^[A-Za-z]:/;
const WINDOWS_DEVICES = new Set([
  'CON', 'PRN', 'AUX', 'NUL', 'CONIN$', 'CONOUT$', 'CLOCK$',
  ...['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '\u00b9', '\u00b2', '\u00b3'].flatMap((d) => [`COM${d}`, `LPT${d}`]),
]);

function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Why one segment (a file or folder name) is unsafe, or undefined when it is fine. */
export function segmentProblem(segment: string): string | undefined {
  if (segment.length === 0) return 'has an empty path segment';
  if (segment === '.' || segment === '..') return `contains "${segment}"`;
  if (/^[. ]+$/.test(segment)) return 'has a segment made only of dots and spaces';
  if (utf8Bytes(segment) > MAX_TRANSFER_SEGMENT_BYTES) return `has a name longer than ${MAX_TRANSFER_SEGMENT_BYTES} bytes`;
  if (DRIVE.test(segment)) return 'looks like a drive letter';
  // Windows resolves "CON", "con.txt" and "CON .txt" alike to the console device.
  const stem = segment.split('.')[0]!.replace(/[ ]+$/, '').toUpperCase();
  if (WINDOWS_DEVICES.has(stem)) return `uses the reserved device name "${stem}"`;
  return undefined;
}

/** Why a relative path is unsafe, or undefined when it is fine. */
export function pathProblem(path: string): string | undefined {
  if (typeof path !== 'string' || path.length === 0) return 'is empty';
  if (CONTROL.test(path)) return 'contains a control character';
  if (path.includes('\\')) return 'contains a backslash';
  if (path.startsWith('/')) return 'is absolute';
  if (utf8Bytes(path) > MAX_TRANSFER_PATH_BYTES) return `is longer than ${MAX_TRANSFER_PATH_BYTES} bytes`;
  for (const segment of path.split('/')) {
    const problem = segmentProblem(segment);
    if (problem) return problem;
  }
  return undefined;
}

export function isSafeRelativePath(path: string): boolean {
  return pathProblem(path) === undefined;
}

/** Shortens a hostile path for an error message and makes control characters visible. */
export function describePath(path: string): string {
  const shown = path.length > 80 ? `${path.slice(0, 77)}...` : path;
  return JSON.stringify(shown);
}

/**
 * Checks a whole offer's entry list: every path safe, at most {@link MAX_TRANSFER_FILES} entries,
 * no duplicates, no entry below a file, folders of size 0, nothing in our partial-data folder.
 * Returns a sentence for the user, or undefined when the list is acceptable.
 */
export function offerEntriesProblem(entries: readonly Pick<TransferEntry, 'path' | 'kind' | 'size'>[]): string | undefined {
  if (entries.length > MAX_TRANSFER_FILES) return `The offer lists ${entries.length} entries; at most ${MAX_TRANSFER_FILES} are accepted.`;
  const kinds = new Map<string, 'file' | 'directory'>();
  for (const e of entries) {
    const problem = pathProblem(e.path);
    if (problem) return `The offer names an unsafe path ${describePath(e.path)}: it ${problem}.`;
    if (e.path.split('/')[0] === PARTIAL_DIR_NAME) return `The offer names the reserved folder ${PARTIAL_DIR_NAME}.`;
    if (kinds.has(e.path)) return `The offer lists ${describePath(e.path)} twice.`;
    if (e.kind === 'directory' && e.size !== 0) return `The folder ${describePath(e.path)} has a size.`;
    kinds.set(e.path, e.kind);
  }
  for (const e of entries) {
    let at = e.path.lastIndexOf('/');
    while (at > 0) {
      const parent = e.path.slice(0, at);
      if (kinds.get(parent) === 'file') return `The offer puts ${describePath(e.path)} inside the file ${describePath(parent)}.`;
      at = parent.lastIndexOf('/');
    }
  }
  return undefined;
}
