import type { HistoryEntry } from './types.js';

/** The "send a message" dialog (`m` on a connected peer). */
export interface ComposeDraft {
  peerId: string;
  peerName: string;
  /** What was typed; `\n` separates lines. */
  text: string;
  error?: string;
}

/** A message kept after esc or a failed send, offered again by the next `m` on that peer. */
export interface UnsentText {
  peerId: string;
  text: string;
}

/** One editing step of the message field; applied by the reducer so fast typing never loses a key. */
export type ComposeEdit =
  | { kind: 'insert'; text: string }
  | { kind: 'newline' }
  | { kind: 'backspace' }
  /** Ctrl+U: the current line. */
  | { kind: 'clear-line' }
  /** Ctrl+W: the word before the cursor. */
  | { kind: 'delete-word' };

/** What copying a received text did: each way is reported, since a terminal may ignore OSC 52. */
export interface CopyResult {
  /** `sent`: the OSC 52 sequence went to the terminal; otherwise why it was not sent. */
  clipboard: 'sent' | 'too-long';
  /** Absolute path of the file the text was saved to. */
  file?: string;
  /** Why saving failed, when it did. */
  fileError?: string;
}

/** The UI actions of messages, history and resume (the rest are in types.ts). */
export type ContentAction =
  | { type: 'open-compose' }
  | { type: 'compose-edit'; edit: ComposeEdit }
  | { type: 'compose-error'; message: string }
  /** esc: the text is kept for the next `m` on that peer. */
  | { type: 'close-compose' }
  | { type: 'text-send-started'; peerId: string; text: string }
  | { type: 'text-send-done'; peerId: string; text: string }
  | { type: 'text-send-failed'; peerId: string; text: string; message: string }
  /** First line of the received text on screen (already clamped by the caller, which knows the layout). */
  | { type: 'scroll-text'; top: number }
  | { type: 'text-copied'; transferId: string; result: CopyResult }
  /** Entries read from the history file at start, oldest first. */
  | { type: 'history-loaded'; entries: HistoryEntry[] };
