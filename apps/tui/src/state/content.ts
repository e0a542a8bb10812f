import { dirname } from 'node:path';
import type { CompletedFile, NodeEvent } from '@fileshare/core';
import { HISTORY_LIMIT } from '../constants.js';
import { formatBytes, shortId } from '../format.js';
import type { ComposeEdit, ContentAction, CopyResult } from './content-types.js';
import type { HistoryEntry, LiveTransfer, Pane, UiState } from './types.js';

type TransferStarted = Extract<NodeEvent, { event: 'transfer-started' }>;
type TransferComplete = Extract<NodeEvent, { event: 'transfer-complete' }>;

/**
 * The reducer's part for messages (compose, scroll, copy), the persistent history (loading,
 * choosing an entry) and resume. Pure like the rest; `reduce` hands these actions over.
 */
export function reduceContent(state: UiState, a: ContentAction): UiState {
  switch (a.type) {
    case 'open-compose': {
      const peer = state.peers.find((p) => p.id === state.selectedPeerId);
      if (!peer) return { ...state, notice: { kind: 'info', text: 'No peer selected yet. Peers on your network appear in the list once found.' } };
      if (peer.state !== 'connected') {
        return { ...state, notice: { kind: 'info', text: `${peer.name} is not connected yet; wait until it shows "connected" to send it a message.` } };
      }
      const { notice: _n, ...rest } = state;
      const kept = state.unsentText?.peerId === peer.id ? state.unsentText.text : '';
      return { ...rest, screen: 'compose', compose: { peerId: peer.id, peerName: peer.name, text: kept } };
    }

    case 'compose-edit': {
      if (!state.compose) return state;
      const { error: _e, ...compose } = state.compose;
      return { ...state, compose: { ...compose, text: applyEdit(compose.text, a.edit) } };
    }

    case 'compose-error':
      if (!state.compose) return state;
      return { ...state, compose: { ...state.compose, error: a.message } };

    case 'close-compose': {
      const { compose, ...rest } = state;
      const next: UiState = { ...rest, screen: 'main' };
      if (compose && compose.text.trim() !== '') next.unsentText = { peerId: compose.peerId, text: compose.text };
      return next;
    }

    case 'text-send-started': {
      // Not offered again while it is on its way (a second m would send it twice); a failure
      // brings it back.
      const { compose: _c, unsentText: _u, ...rest } = state;
      return {
        ...rest,
        screen: 'main',
        notice: { kind: 'info', text: `Sending a message to ${nameOf(state, a.peerId)}…`, until: 'send-offered' },
      };
    }

    case 'text-send-done': {
      if (state.unsentText?.peerId !== a.peerId || state.unsentText.text !== a.text) return state;
      const { unsentText: _u, ...rest } = state;
      return rest;
    }

    case 'text-send-failed': {
      const name = nameOf(state, a.peerId);
      return {
        ...state,
        unsentText: { peerId: a.peerId, text: a.text },
        notice: { kind: 'error', text: `Could not send the message to ${name}: ${a.message} Press m on ${name} to try again; your text is kept.` },
      };
    }

    case 'scroll-text': {
      const [first, ...others] = state.texts;
      if (!first) return state;
      return { ...state, texts: [{ ...first, top: Math.max(0, a.top) }, ...others] };
    }

    case 'text-copied': {
      let next: UiState = { ...state, notice: copyNotice(a.result) };
      if (a.result.file !== undefined) {
        const file = a.result.file;
        next = {
          ...next,
          texts: state.texts.map((t) => (t.transferId === a.transferId ? { ...t, savedTo: file } : t)),
          // The history entry of that text now has a folder to open.
          history: state.history.map((h) => (h.id === a.transferId ? { ...h, folder: dirname(file) } : h)),
        };
      }
      return next;
    }

    case 'history-loaded': {
      const known = new Set(state.history.map((h) => h.id));
      const earlier = a.entries.filter((h) => !known.has(h.id));
      return { ...state, history: [...earlier, ...state.history].slice(-HISTORY_LIMIT) };
    }
  }
}

function applyEdit(text: string, edit: ComposeEdit): string {
  switch (edit.kind) {
    case 'insert':
      // A paste arrives as one chunk: its line breaks stay line breaks (never "send"), other
      // control characters (stray escape bytes) are dropped.
      return text + edit.text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
    case 'newline':
      return `${text}\n`;
    case 'backspace':
      return [...text].slice(0, -1).join('');
    case 'clear-line':
      return text.slice(0, text.lastIndexOf('\n') + 1);
    case 'delete-word':
      return text.replace(/\S*[ \t]*$/, '');
  }
}

function copyNotice(r: CopyResult): UiState['notice'] {
  const clipboard =
    r.clipboard === 'sent'
      ? 'Copied to the clipboard through the terminal (OSC 52; a terminal or tmux that does not allow it ignores it)'
      : 'Too long for the terminal clipboard (OSC 52), not copied';
  if (r.file !== undefined) return { kind: 'info', text: `${clipboard}; saved to ${r.file}` };
  return { kind: 'warning', text: `${clipboard}; could not save it to a file: ${r.fileError ?? 'unknown error'}` };
}

/** `transfer-started`: the receiver accepted and what it already holds is known, on both sides. */
export function transferStarted(state: UiState, e: TransferStarted): UiState {
  if (state.history.some((h) => h.id === e.transferId)) return state;
  const existing = state.transfers.find((t) => t.id === e.transferId);
  const base = existing ?? runningTransfer(state, e);
  const updated: LiveTransfer = { ...base, totalBytes: e.totalBytes, bytes: Math.max(base.bytes, e.resumeFromBytes), phase: 'running' };
  if (e.resumeFromBytes > 0) updated.resumeFromBytes = e.resumeFromBytes;
  if (e.alreadyThereFiles > 0) updated.alreadyThereFiles = e.alreadyThereFiles;
  const transfers = existing ? state.transfers.map((t) => (t.id === e.transferId ? updated : t)) : [...state.transfers, updated];
  const next: UiState = { ...state, transfers, offers: state.offers.filter((o) => o.transferId !== e.transferId) };
  if (next.selectedTransferId === undefined) next.selectedTransferId = e.transferId;
  return next;
}

/** What a finished transfer adds to its history entry: text or files, resume, where it landed. */
export function completionDetails(e: TransferComplete, live: LiveTransfer | undefined): Partial<HistoryEntry> {
  const text = live ? live.files.length === 0 && e.files.length === 0 : e.files.length === 0 && e.bytesTransferred > 0;
  const details: Partial<HistoryEntry> = {};
  if (text) {
    details.text = true;
    return details;
  }
  details.fileCount = e.files.length;
  const already = e.files.filter((f) => f.alreadyThere === true).length;
  if (already > 0) details.alreadyThere = already;
  if (e.resumedBytes > 0) details.resumedBytes = e.resumedBytes;
  if (e.direction === 'receive' && e.savedTo !== undefined) details.folder = landedFolder(e.savedTo, e.files);
  return details;
}

/** ", 3 files already there" / ", resumed from 128 MB" for notices and history lines. */
export function resumeNote(h: Pick<HistoryEntry, 'alreadyThere' | 'fileCount' | 'resumedBytes'>): string {
  if (h.alreadyThere !== undefined && h.alreadyThere > 0) {
    if (h.fileCount !== undefined && h.alreadyThere === h.fileCount) return 'already there';
    if (h.fileCount !== undefined) return `${h.alreadyThere} of ${h.fileCount} files already there`;
    return `${h.alreadyThere} ${h.alreadyThere === 1 ? 'file' : 'files'} already there`;
  }
  if (h.resumedBytes !== undefined && h.resumedBytes > 0) return `resumed from ${formatBytes(h.resumedBytes)}`;
  return '';
}

/**
 * The folder to open for received files: the one folder they all came in (`photos/`), else the
 * receive folder itself.
 */
export function landedFolder(savedTo: string, files: readonly Pick<CompletedFile, 'path'>[]): string {
  const tops = new Set(files.map((f) => (f.path.includes('/') ? f.path.slice(0, f.path.indexOf('/')) : '')));
  const [only] = [...tops];
  if (tops.size === 1 && only !== undefined && only !== '') return `${savedTo.replace(/\/+$/, '')}/${only}`;
  return savedTo;
}

/** `tab`: peers → transfers → history → peers, skipping empty lists. */
export function nextFocus(state: UiState): UiState {
  const order: Pane[] = ['peers', 'transfers', 'history'];
  const has = (p: Pane) => p === 'peers' || (p === 'transfers' ? state.transfers.length > 0 : state.history.length > 0);
  const from = order.indexOf(state.focus);
  let focus: Pane = 'peers';
  for (let i = 1; i < order.length; i++) {
    const candidate = order[(from + i) % order.length]!;
    if (has(candidate)) {
      focus = candidate;
      break;
    }
  }
  const next: UiState = { ...state, focus };
  if (focus === 'history' && !state.history.some((h) => h.id === state.selectedHistoryId)) next.selectedHistoryId = state.history.at(-1)!.id;
  return next;
}

/** History is shown newest first, so "down" goes back in time. */
export function moveHistorySelection(state: UiState, delta: number): UiState {
  const shown = newestFirst(state.history);
  if (shown.length === 0) return state;
  const index = Math.max(0, shown.findIndex((h) => h.id === state.selectedHistoryId));
  const to = Math.min(shown.length - 1, Math.max(0, index + delta));
  return { ...state, selectedHistoryId: shown[to]!.id };
}

export function newestFirst(history: readonly HistoryEntry[]): HistoryEntry[] {
  return [...history].reverse();
}

/** The chosen history entry (the newest when none is chosen). */
export function selectedHistoryEntry(state: UiState): HistoryEntry | undefined {
  return state.history.find((h) => h.id === state.selectedHistoryId) ?? state.history.at(-1);
}

/** The folder of an entry on this device: where its files (or the saved text) landed. */
export function entryFolder(h: HistoryEntry): string | undefined {
  // Entries from before `folder` existed only know the receive folder.
  return h.folder ?? (h.direction === 'receive' && h.outcome === 'verified' && !h.text ? h.savedTo : undefined);
}

/** Why `enter` on an entry without a folder opens nothing, in words. */
export function nothingToOpen(h: HistoryEntry): string {
  if (h.direction === 'send') return `${h.what} went to ${h.peerName}: nothing of it landed on this device.`;
  if (h.text) return 'This message was not saved to a file (c saves and copies a message while it is shown).';
  if (h.outcome !== 'verified') return `Nothing from this transfer was saved (${h.outcome}).`;
  return 'This entry does not say where its files went.';
}

/** The name a peer is shown by: its listed name, else its short id. */
export function nameOf(state: UiState, peerId: string): string {
  return state.peers.find((p) => p.id === peerId)?.name ?? shortId(peerId);
}

/** A running transfer first heard of from one of its events (its offer went by unseen, e.g. a continuation). */
export function runningTransfer(state: UiState, e: { transferId: string; direction: LiveTransfer['direction']; peerId: string; totalBytes: number }): LiveTransfer {
  return {
    id: e.transferId,
    direction: e.direction,
    peerId: e.peerId,
    peerName: nameOf(state, e.peerId),
    files: [],
    totalBytes: e.totalBytes,
    bytes: 0,
    bytesPerSecond: 0,
    phase: 'running',
  };
}
