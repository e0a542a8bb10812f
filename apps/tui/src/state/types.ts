import type { CompletedFile, NodeEvent, PeerInfo, PeerStatus, TransferDirection, TransferFile } from '@fileshare/core';

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
 * incoming offer waits for the user. `running`: bytes are moving.
 */
export type TransferPhase = 'offered' | 'awaiting-decision' | 'running';

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
}

/** The "send files" dialog: a path input and the paths picked so far. */
export interface SendDraft {
  peerId: string;
  peerName: string;
  input: string;
  paths: string[];
  /** Names offered by the last tab completion that had several matches. */
  candidates: string[];
  error?: string;
  /**
   * Bumped when the input is replaced from outside the text field (completion, add), so the
   * field is re-created with its cursor at the end.
   */
  revision: number;
}

/** Progress of `fileshare --to <peer> <paths>`. */
export interface CliSend {
  to: string;
  paths: string[];
  status: 'waiting' | 'sending' | 'done' | 'failed';
  message?: string;
}

export interface Notice {
  kind: 'info' | 'warning' | 'error';
  text: string;
  /** Set when a later event makes the notice obsolete (e.g. the offer it announced shows up). */
  until?: 'send-offered';
}

export type Pane = 'peers' | 'transfers';

export interface UiState {
  self: SelfInfo;
  peers: PeerView[];
  selectedPeerId?: string;
  focus: Pane;
  transfers: LiveTransfer[];
  selectedTransferId?: string;
  /** Oldest first, at most HISTORY_LIMIT entries. */
  history: HistoryEntry[];
  /** Queue: the first one is on screen. */
  offers: PendingOffer[];
  texts: ReceivedText[];
  screen: 'main' | 'send' | 'help';
  draft?: SendDraft;
  trust?: TrustDialog;
  notice?: Notice;
  cliSend?: CliSend;
  /** `q` was pressed while transfers run; a second `q` quits. */
  quitArmed: boolean;
}

/** Things the UI itself does; node events are the other half of the reducer's input. */
export type UiAction =
  | { type: 'sync-peers'; peers: PeerInfo[] }
  | { type: 'move-selection'; delta: number }
  | { type: 'toggle-focus' }
  | { type: 'open-send' }
  | { type: 'draft-input'; value: string }
  | { type: 'draft-completed'; forInput: string; value: string; candidates: string[] }
  | { type: 'draft-add'; path: string }
  | { type: 'draft-remove-last' }
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
  | { type: 'cli-send'; status: CliSend['status']; message?: string };

export type Input = NodeEvent | UiAction;
