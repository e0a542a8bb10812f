/**
 * A one-line text field edited the way readline (bash) edits a command line, as a pure function
 * of (state, command). The cursor sits on grapheme boundaries, so `é` typed as e + U+0301 or an
 * emoji in a file name is one step for the arrows and one unit for backspace.
 */
export interface LineState {
  readonly text: string;
  /** Index into `text` (UTF-16 units), always on a grapheme boundary, from 0 to `text.length`. */
  readonly cursor: number;
  /** What the last kill (ctrl+u/k/w) removed; ctrl+y puts it back. */
  readonly killed: string;
  /**
   * The previous command was a kill: as in readline, consecutive kills add to what was killed,
   * so ctrl+w ctrl+w ctrl+y gives both words back.
   */
  readonly killing: boolean;
}

export type LineCommand =
  | { kind: 'insert'; text: string }
  | { kind: 'backspace' }
  | { kind: 'delete' }
  | { kind: 'left' }
  | { kind: 'right' }
  | { kind: 'word-left' }
  | { kind: 'word-right' }
  | { kind: 'home' }
  | { kind: 'end' }
  | { kind: 'kill-to-start' }
  | { kind: 'kill-to-end' }
  | { kind: 'kill-word-back' }
  | { kind: 'kill-word-forward' }
  | { kind: 'yank' };

export const EMPTY_LINE: LineState = { text: '', cursor: 0, killed: '', killing: false };

export function lineOf(text: string, cursor = text.length, killed = ''): LineState {
  return { text, cursor: snapToBoundary(text, cursor), killed, killing: false };
}

export function editLine(state: LineState, command: LineCommand): LineState {
  const { text, cursor } = state;
  const moved = (to: number): LineState => ({ ...state, cursor: to, killing: false });
  switch (command.kind) {
    case 'insert': {
      if (command.text === '') return { ...state, killing: false };
      const next = text.slice(0, cursor) + command.text + text.slice(cursor);
      return { ...state, text: next, cursor: snapToBoundary(next, cursor + command.text.length), killing: false };
    }
    case 'backspace': {
      if (cursor === 0) return moved(0);
      const from = previousBoundary(text, cursor);
      return { ...state, text: text.slice(0, from) + text.slice(cursor), cursor: from, killing: false };
    }
    case 'delete': {
      if (cursor === text.length) return moved(cursor);
      const to = nextBoundary(text, cursor);
      return { ...state, text: text.slice(0, cursor) + text.slice(to), killing: false };
    }
    case 'left':
      return moved(cursor === 0 ? 0 : previousBoundary(text, cursor));
    case 'right':
      return moved(cursor === text.length ? cursor : nextBoundary(text, cursor));
    case 'word-left':
      return moved(wordStartBefore(text, cursor));
    case 'word-right':
      return moved(wordEndAfter(text, cursor));
    case 'home':
      return moved(0);
    case 'end':
      return moved(text.length);
    case 'kill-to-start':
      return killBack(state, 0);
    case 'kill-to-end':
      return killForward(state, text.length);
    case 'kill-word-back':
      return killBack(state, wordStartBefore(text, cursor));
    case 'kill-word-forward':
      return killForward(state, wordEndAfter(text, cursor));
    case 'yank': {
      const next = text.slice(0, cursor) + state.killed + text.slice(cursor);
      return { ...state, text: next, cursor: snapToBoundary(next, cursor + state.killed.length), killing: false };
    }
  }
}

function killBack(state: LineState, from: number): LineState {
  const { text, cursor } = state;
  const removed = text.slice(from, cursor);
  if (removed === '') return { ...state, killing: true };
  return { text: text.slice(0, from) + text.slice(cursor), cursor: from, killed: state.killing ? removed + state.killed : removed, killing: true };
}

function killForward(state: LineState, to: number): LineState {
  const { text, cursor } = state;
  const removed = text.slice(cursor, to);
  if (removed === '') return { ...state, killing: true };
  return { text: text.slice(0, cursor) + text.slice(to), cursor, killed: state.killing ? state.killed + removed : removed, killing: true };
}

/**
 * Word boundaries for a path line are spaces and slashes, as readline's unix-filename-rubout has
 * them: ctrl+w on `~/Documents/report.pdf` takes `report.pdf`, then `Documents/`, not the whole path.
 */
function isSeparator(ch: string): boolean {
  return ch === '/' || /\s/.test(ch);
}

function wordStartBefore(text: string, cursor: number): number {
  let i = cursor;
  while (i > 0 && isSeparator(text[i - 1]!)) i--;
  while (i > 0 && !isSeparator(text[i - 1]!)) i--;
  return snapToBoundary(text, i);
}

function wordEndAfter(text: string, cursor: number): number {
  let i = cursor;
  while (i < text.length && isSeparator(text[i]!)) i++;
  while (i < text.length && !isSeparator(text[i]!)) i++;
  return snapToBoundary(text, i);
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Start index of every grapheme in `text`, then `text.length`. */
export function graphemeBoundaries(text: string): number[] {
  const starts = [...segmenter.segment(text)].map((s) => s.index);
  starts.push(text.length);
  return starts;
}

function previousBoundary(text: string, cursor: number): number {
  const bounds = graphemeBoundaries(text);
  let best = 0;
  for (const b of bounds) if (b < cursor) best = b;
  return best;
}

function nextBoundary(text: string, cursor: number): number {
  return graphemeBoundaries(text).find((b) => b > cursor) ?? text.length;
}

/** The nearest grapheme boundary at or before `index`, within the text. */
export function snapToBoundary(text: string, index: number): number {
  const clamped = Math.min(text.length, Math.max(0, index));
  let best = 0;
  for (const b of graphemeBoundaries(text)) if (b <= clamped) best = b;
  return best;
}

/** What of a line fits in `width` cells, scrolled so the cursor stays visible. */
export interface LineViewport {
  /** Text left of the cursor, as shown. */
  before: string;
  /** The grapheme under the cursor, or a space at the end of the line. */
  atCursor: string;
  after: string;
  /** Text is hidden left / right of what is shown (drawn as `…`). */
  cutLeft: boolean;
  cutRight: boolean;
}

/**
 * Horizontal scrolling as readline's horizontal-scroll-mode does it: the line starts at its
 * beginning while the cursor fits, then scrolls so the cursor stays one cell from the right edge.
 * Counts one cell per grapheme (wide CJK characters take two in a terminal: the line may then
 * lose its last cells to the frame's edge, never the cursor's neighbourhood on the left).
 */
export function lineViewport(state: LineState, width: number): LineViewport {
  const cells = Math.max(4, width);
  const bounds = graphemeBoundaries(state.text);
  const graphemes = bounds.slice(0, -1).map((start, i) => state.text.slice(start, bounds[i + 1]));
  const at = bounds.indexOf(state.cursor);
  const cursorIndex = at < 0 ? graphemes.length : at;
  const slice = (from: number, to: number) => graphemes.slice(from, to).join('');
  const atCursor = graphemes[cursorIndex] ?? ' ';

  // Every grapheme plus the cursor cell after the end.
  if (graphemes.length + 1 <= cells) {
    return { before: slice(0, cursorIndex), atCursor, after: slice(cursorIndex + 1, graphemes.length), cutLeft: false, cutRight: false };
  }
  if (cursorIndex <= cells - 2) {
    // From the start; the last cell says there is more.
    return { before: slice(0, cursorIndex), atCursor, after: slice(cursorIndex + 1, cells - 1), cutLeft: false, cutRight: true };
  }
  // `…`, then text up to the cursor at column cells-2, then `…` if more follows.
  const start = cursorIndex - (cells - 3);
  const restCells = graphemes.length - start + (cursorIndex === graphemes.length ? 1 : 0);
  if (restCells <= cells - 1) {
    return { before: slice(start, cursorIndex), atCursor, after: slice(cursorIndex + 1, graphemes.length), cutLeft: true, cutRight: false };
  }
  const end = start + cells - 2;
  return { before: slice(start, cursorIndex), atCursor, after: slice(cursorIndex + 1, end), cutLeft: true, cutRight: true };
}
