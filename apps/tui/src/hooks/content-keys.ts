import type { Key } from 'ink';
import { selectedHistoryEntry } from '../state/content.js';
import type { Input, UiState } from '../state/types.js';
import type { ContentHandlers } from './useContent.js';

/** What the content keys need besides the state: the effects, and the received text's layout. */
export interface ContentKeyDeps {
  state: UiState;
  dispatch: (input: Input) => void;
  handlers: ContentHandlers;
  /** Lines of the received text on screen at once, and the last possible first line. */
  textPage: number;
  textMaxTop: number;
}

/** Bracketed-paste markers (ESC [200~ / ESC [201~) as Ink passes them on, without the ESC. */
const PASTE_MARKER = /^\[20[01]~$/;

/**
 * The message field. Enter sends; alt+enter and ctrl+j (what terminals send for them) start a
 * new line; a paste keeps its line breaks as text, so pasting never sends half a message.
 */
export function handleComposeKey({ state, dispatch, handlers }: ContentKeyDeps, input: string, key: Key): void {
  const compose = state.compose;
  if (!compose) return;
  if (key.escape && !key.return) {
    dispatch({ type: 'close-compose' });
  } else if (key.return && key.meta) {
    dispatch({ type: 'compose-edit', edit: { kind: 'newline' } });
  } else if (key.return) {
    if (compose.text.trim() === '') dispatch({ type: 'compose-error', message: 'Type a message first (esc goes back).' });
    else handlers.sendText(compose.peerId, compose.text);
  } else if (input === '\n' || (key.ctrl && input === 'j')) {
    dispatch({ type: 'compose-edit', edit: { kind: 'newline' } });
  } else if (key.backspace || key.delete) {
    dispatch({ type: 'compose-edit', edit: { kind: 'backspace' } });
  } else if (key.ctrl && input === 'u') {
    dispatch({ type: 'compose-edit', edit: { kind: 'clear-line' } });
  } else if (key.ctrl && input === 'w') {
    dispatch({ type: 'compose-edit', edit: { kind: 'delete-word' } });
  } else if (input.length > 0 && !key.ctrl && !key.meta && !PASTE_MARKER.test(input)) {
    dispatch({ type: 'compose-edit', edit: { kind: 'insert', text: input } });
  }
}

/**
 * A received text: arrows, page keys, home/end scroll it; `c` copies it (terminal clipboard and
 * a file); enter or esc closes it. Returns false for keys it leaves to the caller.
 */
export function handleTextKey({ state, dispatch, handlers, textPage, textMaxTop }: ContentKeyDeps, input: string, key: Key): boolean {
  const message = state.texts[0];
  if (!message) return false;
  const top = Math.min(message.top ?? 0, textMaxTop);
  const scrollTo = (to: number) => dispatch({ type: 'scroll-text', top: Math.min(textMaxTop, Math.max(0, to)) });
  if (key.upArrow || input === 'k') scrollTo(top - 1);
  else if (key.downArrow || input === 'j') scrollTo(top + 1);
  else if (key.pageUp || input === 'b') scrollTo(top - textPage);
  else if (key.pageDown || input === ' ') scrollTo(top + textPage);
  else if (key.home || input === 'g') scrollTo(0);
  else if (key.end || input === 'G') scrollTo(textMaxTop);
  else if (input === 'c') handlers.copyText(message);
  else if (key.return || key.escape) dispatch({ type: 'dismiss-text' });
  else return false;
  return true;
}

/** `enter` or `o` on the history list: the chosen entry's folder. */
export function openChosenEntry({ state, handlers }: Pick<ContentKeyDeps, 'state' | 'handlers'>): void {
  const entry = selectedHistoryEntry(state);
  if (entry) handlers.openFolder(entry);
}
