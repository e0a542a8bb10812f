import type { CompletedFile, NodeEvent, PeerInfo, PeerStatus, TransferDirection, TransferFile } from '@fileshare/core';
import type { LineCommand } from '../input/line-editor.js';
import type { ComposeDraft, ContentAction, UnsentText } from './content-types.js';

export interface SelfInfo {
  deviceId: string;
  name: string;
  port: number;
  addresses: readonly string[];
  receiveDir: string;
}

export interface PeerView {
  id: string;
  name: string;
  address: string;
  port: number;
  state: PeerStatus;
  manual: boolean;
  /** Why the last connection attempt ended, when the node said. */
  reason?: string;
  /** It proved its key on a connection this session. */
  verified: boolean;
  /** In the trust file (or trusted for this session). */
  trusted: boolean;
  /** Id of the trusted device whose name this one shows: a different device with the same name. */
  lookalikeOf?: string;
  /** Same on both screens once it proved its key; compared before trusting. */
  verificationCode?: string;
  /** Blocked with `b` in an offer: its offers are declined without asking until we quit. */
  blocked?: boolean;
}

/**
 * `offered`: we sent an offer and wait for the receiver to answer. `awaiting-decision`: an
 * incoming offer waits for the user. `running`: bytes are moving. `reconnecting`: the peer
 * connection dropped; the transfer goes on by itself if the peer is back within the grace.
 */
export type TransferPhase = 'offered' | 'awaiting-decision' | 'running' | 'reconnecting';

export interface LiveTransfer {
  id: string;
  direction: TransferDirection;
  peerId: string;
  peerName: string;
  files: TransferFile[];
  totalBytes: number;
  bytes: number;
  bytesPerSecond: number;
  etaSeconds?: number;
  currentFile?: string;
  phase: TransferPhase;
  /** From `transfer-started`: bytes the receiver already held, not sent again. */
  resumeFromBytes?: number;
  /** From `transfer-started`: files the receiver already held verified. */
  alreadyThereFiles?: number;
  /** While `reconnecting`: how long the peer has to come back (seconds). */
  graceSeconds?: number;
}

export type Outcome = 'verified' | 'failed' | 'cancelled' | 'declined';

export interface HistoryEntry {
  id: string;
  direction: TransferDirection;
  peerId: string;
  peerName: string;
  /** Short phrase for the files (see `summarizeFiles`). */
  what: string;
  totalBytes: number;
  outcome: Outcome;
  /** Why it failed, as the node said it. */
  reason?: string;
  /** Receiver: folder the files landed in. */
  savedTo?: string;
  files?: CompletedFile[];
  /** When it ended (ms since the epoch); absent only in hand-made test entries. */
  time?: number;
  /** A text message rather than files. */
  text?: boolean;
  /** Files it carried (not counting folders). */
  fileCount?: number;
  /** Files the receiver already held verified, so they were not sent again. */
  alreadyThere?: number;
  /** Bytes not sent again because the receiver held them (resume, files already there). */
  resumedBytes?: number;
  /** Folder to open for it on this device: where the files (or the saved text) landed. */
  folder?: string;
}

/** An incoming offer waiting for the user's decision. */
export interface PendingOffer {
  transferId: string;
  peerId: string;
  peerName: string;
  files: TransferFile[];
  totalBytes: number;
  /** The node trusts the sender (under `ask` such offers are normally accepted without asking). */
  trusted: boolean;
  /** The sender shows the name of this trusted device but is not it. */
  lookalikeOf?: string;
}

/**
 * "Do the codes match?": opened with `t` on an offer (trust = always accept) or `v` on the peer
 * list. Trust is saved only when the person confirms the verification code.
 */
export interface TrustDialog {
  peerId: string;
  peerName: string;
  /** Undefined until the peer proved its key on a connection. */
  code?: string;
  trusted: boolean;
  lookalikeOf?: string;
  /** Opened from this offer: the dialog's answers also decide the offers from that peer. */
  transferId?: string;
}

export interface ReceivedText {
  transferId: string;
  peerId: string;
  peerName: string;
  text: string;
  /** First line shown (scrolling); 0 when absent. */
  top?: number;
  /** Saved to this file with `c`. */
  savedTo?: string;
}

/** The "send files" dialog: a path input and the paths picked so far. */
export interface SendDraft {
  peerId: string;
  peerName: string;
  /** The path line (see input/line-editor.ts for how it is edited). */
  input: string;
  cursor: number;
  /** What ctrl+u/k/w (or removing a chosen path) took last; ctrl+y puts it back. */
  killed: string;
  /** The last edit was a kill: the next kill adds to `killed`, as in readline. */
  killing: boolean;
  paths: string[];
  /** Backspace on the empty line marked the last chosen path; a second backspace removes it. */
  removeArmed: boolean;
  /** Names offered by the last tab completion that had several matches. */
  candidates: string[];
  error?: string;
  /** A line saying what just happened (a path removed, paths from `--to` filled in). */
  note?: string;
  /** Paths pre-filled from a `--to` send that found no peer: sending them ends that wait. */
  fromCli?: boolean;
}

/** Progress of `fileshare --to <peer> <paths>`. */
export interface CliSend {
  to: string;
  paths: string[];
  /** `redirected`: the user sent these paths to a peer of their choice instead. */
  status: 'waiting' | 'sending' | 'done' | 'failed' | 'redirected';
  message?: string;
  /** Waited CLI_SEND_SUGGEST_AFTER_MS: if no peer matches, the status line suggests names. */
  waitedLong?: boolean;
}

export interface Notice {
  kind: 'info' | 'warning' | 'error';
  text: string;
  /** Set when a later event makes the notice obsolete (e.g. the offer it announced shows up). */
  until?: 'send-offered';
}

export type Pane = 'peers' | 'transfers' | 'history';

export interface UiState {
  self: SelfInfo;
  peers: PeerView[];
  selectedPeerId?: string;
  focus: Pane;
  transfers: LiveTransfer[];
  selectedTransferId?: string;
  selectedHistoryId?: string;
  /** Oldest first, at most HISTORY_LIMIT entries. */
  history: HistoryEntry[];
  /** Queue: the first one is on screen. */
  offers: PendingOffer[];
  texts: ReceivedText[];
  screen: 'main' | 'send' | 'help' | 'compose';
  compose?: ComposeDraft;
  unsentText?: UnsentText;
  draft?: SendDraft;
  trust?: TrustDialog;
  notice?: Notice;
  cliSend?: CliSend;
  /** `q` was pressed while transfers run; a second `q` quits. */
  quitArmed: boolean;
  /** `c` was pressed on this transfer: y cancels it, n or esc keeps it. */
  cancelAsked?: string;
}

/** Things the UI itself does; node events are the other half of the reducer's input. */
export type UiAction =
  | { type: 'sync-peers'; peers: PeerInfo[] }
  | { type: 'move-selection'; delta: number }
  | { type: 'toggle-focus' }
  | { type: 'open-send' }
  | { type: 'draft-input'; value: string }
  | { type: 'draft-completed'; forInput: string; forCursor?: number; value: string; candidates: string[] }
  | { type: 'draft-edit'; command: LineCommand }
  | { type: 'draft-add'; path: string }
  /** Checked paths from a paste or a line of several; `input` is what stays on the line. */
  | { type: 'draft-add-many'; paths: string[]; input?: string; error?: string }
  | { type: 'draft-error'; message: string }
  | { type: 'close-dialog' }
  | { type: 'send-started'; peerId: string; paths: string[] }
  | { type: 'send-failed'; peerId: string; transferId?: string; message: string }
  /** `trust`: accept everything from that peer until we quit (not saved). */
  | { type: 'offer-decided'; transferId: string; decision: 'accept' | 'decline' | 'trust' }
  | { type: 'open-trust'; peerId: string; code?: string; transferId?: string }
  | { type: 'close-trust' }
  /** The trust file now has (or no longer has) this peer. */
  | { type: 'trust-changed'; peerId: string; trusted: boolean }
  | { type: 'trust-failed'; peerId: string; message: string }
  /** Trust marks (trusted, look-alike, code) as the node sees them now; other fields untouched. */
  | { type: 'trust-sync'; peers: PeerInfo[] }
  | { type: 'peer-blocked'; peerId: string }
  | { type: 'dismiss-text' }
  | { type: 'toggle-help' }
  | { type: 'notice'; notice: Notice }
  | { type: 'clear-notice' }
  | { type: 'arm-quit' }
  | { type: 'cli-send'; status: CliSend['status']; message?: string }
  | { type: 'cli-send-waited-long' }
  | { type: 'ask-cancel'; transferId: string }
  | { type: 'answer-cancel' }
  | ContentAction;

export type Input = NodeEvent | UiAction;
