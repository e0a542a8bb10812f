import { homedir } from 'node:os';
import type { PeerStatus, TransferFile } from '@fileshare/core';
import { SHORT_ID_LENGTH } from './constants.js';

// One set of units for both apps (core's), so a size reads the same in the agent and the TUI.
export { formatBytes, formatRate, formatDuration as formatEta } from '@fileshare/core';

export function formatPercent(bytes: number, totalBytes: number): string {
  return `${Math.floor(progressFraction(bytes, totalBytes) * 100)}%`;
}

export function progressFraction(bytes: number, totalBytes: number): number {
  if (totalBytes <= 0) return bytes > 0 ? 1 : 0;
  return Math.min(1, Math.max(0, bytes / totalBytes));
}

/** Text bar, so progress reads without colour: `████████░░░░`. */
export function progressBar(fraction: number, width: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

export function shortId(deviceId: string): string {
  return deviceId.slice(0, SHORT_ID_LENGTH);
}

/** What a user reads for a peer state; `initiated`/`initiating` are one thing to a person. */
export function peerStateLabel(state: PeerStatus): string {
  switch (state) {
    case 'discovered':
      return 'discovered';
    case 'initiated':
    case 'initiating':
      return 'connecting';
    case 'connected':
      return 'connected';
    case 'not-connected':
      return 'not connected';
  }
}

/** A symbol next to the word, so the state is readable in monochrome and at a glance. */
export function peerStateSymbol(state: PeerStatus): string {
  switch (state) {
    case 'discovered':
      return '○';
    case 'initiated':
    case 'initiating':
      return '◌';
    case 'connected':
      return '●';
    case 'not-connected':
      return '✕';
  }
}

export function peerStateColor(state: PeerStatus): string {
  switch (state) {
    case 'connected':
      return 'green';
    case 'initiated':
    case 'initiating':
      return 'yellow';
    case 'not-connected':
      return 'red';
    case 'discovered':
      return 'gray';
  }
}

/**
 * One phrase for what a transfer carries: `report.pdf`, `photos/ (12 files)`,
 * `a.txt and 2 more`. Counts top-level items, so a folder is one item.
 */
export function summarizeFiles(files: readonly Pick<TransferFile, 'path' | 'kind'>[]): string {
  // A transfer without entries is a text message (an empty folder is one entry).
  if (files.length === 0) return 'a message';
  const top = new Map<string, { dir: boolean; files: number }>();
  for (const f of files) {
    const parts = f.path.split('/').filter((p) => p.length > 0);
    const head = parts[0] ?? f.path;
    const entry = top.get(head) ?? { dir: false, files: 0 };
    if (parts.length > 1 || f.kind === 'directory') entry.dir = true;
    if (f.kind === 'file') entry.files++;
    top.set(head, entry);
  }
  const items = [...top.entries()];
  const [firstName, first] = items[0]!;
  const firstLabel = first.dir ? `${firstName}/ (${first.files} ${first.files === 1 ? 'file' : 'files'})` : firstName;
  if (items.length === 1) return firstLabel;
  return `${first.dir ? `${firstName}/` : firstName} and ${items.length - 1} more`;
}

/** Shortens `text` to `width` cells with an ellipsis in the middle, keeping both ends readable. */
export function truncateMiddle(text: string, width: number): string {
  if (text.length <= width) return text;
  if (width <= 1) return text.slice(0, width);
  const keep = width - 1;
  const head = Math.ceil(keep / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (keep - head))}`;
}

export function padEnd(text: string, width: number): string {
  const cut = text.length > width ? truncateMiddle(text, width) : text;
  return cut.padEnd(width);
}

/** `~/x` for paths under the home folder: shorter, and what users type. */
export function tildify(path: string, home: string = homedir()): string {
  if (home && (path === home || path.startsWith(`${home}/`))) return `~${path.slice(home.length)}`;
  return path;
}

/**
 * Breaks `text` into lines of at most `width` cells at spaces (a word longer than a line is cut).
 * Ink's own wrapping keeps the space it broke at, which starts the next line indented.
 */
export function wordWrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    for (let rest = word; rest.length > 0; ) {
      const room = line.length === 0 ? width : width - line.length - 1;
      if (rest.length <= room) {
        line = line.length === 0 ? rest : `${line} ${rest}`;
        rest = '';
      } else if (line.length > 0) {
        lines.push(line);
        line = '';
      } else {
        lines.push(rest.slice(0, width));
        rest = rest.slice(width);
      }
    }
  }
  if (line.length > 0) lines.push(line);
  return lines;
}
