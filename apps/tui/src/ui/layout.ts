import { wordWrap } from '../format.js';

/**
 * How many items of each main-screen list fit in the terminal. Ink redraws the whole screen
 * (and flickers) once a frame is as tall as the terminal, so the frame stays below `rows`.
 */
export interface MainLayout {
  peers: number;
  transfers: number;
  history: number;
}

/** Lines of the main screen that are not list items: header (2), three titles, four gaps, hints. */
const FIXED_LINES = 10;
const LINES_PER_TRANSFER = 2;

export function planMainLayout(rows: number, counts: { peers: number; transfers: number; history: number; statusLines: number }): MainLayout {
  const budget = rows - 1 - FIXED_LINES - counts.statusLines;
  // Every list keeps one item (or its "nothing yet" line); the rest is shared round-robin so
  // no list starves the others.
  const got = { peers: 1, transfers: 1, history: 1 };
  let used = 2 + (counts.transfers > 0 ? LINES_PER_TRANSFER : 1);
  let grew = true;
  while (grew) {
    grew = false;
    if (got.transfers < counts.transfers && used + LINES_PER_TRANSFER <= budget) {
      got.transfers++;
      used += LINES_PER_TRANSFER;
      grew = true;
    }
    if (got.peers < counts.peers && used + 1 <= budget) {
      got.peers++;
      used++;
      grew = true;
    }
    if (got.history < counts.history && used + 1 <= budget) {
      got.history++;
      used++;
      grew = true;
    }
  }
  return got;
}

/** A window of `size` items that contains the selected index, as a shell pager would scroll. */
export function windowAround<T>(items: readonly T[], selected: number, size: number): { start: number; items: T[] } {
  if (items.length <= size) return { start: 0, items: [...items] };
  const half = Math.floor(size / 2);
  const start = Math.min(items.length - size, Math.max(0, selected - half));
  return { start, items: items.slice(start, start + size) };
}

const HINT_SEPARATOR = ' · ';

/**
 * The key hints (`a accept · d decline · …`) in lines of at most `width`, broken only between
 * hints, so a narrow terminal gets a second line instead of losing the last keys.
 */
export function packHints(hints: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const hint of hints.split(HINT_SEPARATOR)) {
    const joined = line === '' ? hint : `${line}${HINT_SEPARATOR}${hint}`;
    if (joined.length <= width) {
      line = joined;
      continue;
    }
    if (line !== '') lines.push(line);
    if (hint.length <= width) {
      line = hint;
    } else {
      const parts = wordWrap(hint, width);
      lines.push(...parts.slice(0, -1));
      line = parts.at(-1) ?? '';
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}
