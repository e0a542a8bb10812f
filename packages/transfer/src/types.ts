import type { DataChannelProvider, Logger } from '@fileshare/protocol';

export type TransferDirection = 'send' | 'receive';
export type OfferDecision = 'accept' | 'decline' | 'ask';
/** The code a `decline()` sends: a plain no, or "too many offers at once, try later". */
export type OfferDeclineCode = 'ERR_TRANSFER_DECLINED' | 'ERR_TRANSFER_BUSY';

export interface TransferServiceInit {
  /** Shown to receivers in our offers. */
  localName: string;
  /** Where accepted files land; created if missing. Partial data lives in `<receiveDir>/.fileshare-partial/`. */
  receiveDir: string;
  /**
   * Decides incoming offers. `ask` emits `offer` and waits for `accept()`/`decline()` (declined
   * after `decisionTimeoutMs`). Default: always `ask`.
   */
  acceptPolicy?: (offer: IncomingOffer) => OfferDecision;
  /** Data channels carrying one transfer's bytes. Default 1 (the data path is CPU-bound per channel; more may help later). */
  channelsPerTransfer?: number;
  /** Payload bytes per data chunk. Default 64 KiB (measured best on DESIGN.md's machines); at most 256 KiB - 16. */
  chunkBytes?: number;
  /** Stop sending on a channel above this many buffered bytes. Default 4 MiB. */
  bufferHighBytes?: number;
  /** Resume sending once the channel drains to this. Default 1 MiB. */
  bufferLowBytes?: number;
  /** Receive window offered to senders, in bytes. Default 16 MiB: bounds our memory per incoming transfer. */
  windowBytes?: number;
  /** Receive window in files (started, not yet confirmed). Default 256: keeps many small files pipelined. */
  windowFiles?: number;
  /** Default 5 minutes. */
  decisionTimeoutMs?: number;
  /**
   * Incoming transfers one peer may have at once, counting offers still arriving or awaiting a
   * decision and running transfers; further offers are declined with ERR_TRANSFER_BUSY. Default 8.
   */
  maxIncomingPerPeer?: number;
  /** The same, for all peers together. Default 32. */
  maxIncomingTotal?: number;
  /** Partial data older than this is removed when the service starts. Default 7 days. */
  partialRetentionMs?: number;
  /** How long a sender waits for a peer whose connection dropped mid-transfer (default SEND_RECONNECT_GRACE_MS; 0 = fail at once). */
  sendReconnectGraceMs?: number;
  /** How long a receiver keeps such a transfer for its continuation (default RECEIVE_RECONNECT_GRACE_MS; 0 = fail at once). */
  receiveReconnectGraceMs?: number;
  /**
   * A private folder (ours, not readable by others) where the receiver keeps a *done-record* of
   * each file it verified and placed, so that the same file sent again by the same sender is
   * reported as already there instead of arriving as a second copy (docs/PROTOCOL.md, "Resume").
   * Created 0700 on first use. Default: none, the records are then kept in memory for the
   * service's life only. Kept outside the receive folder on purpose: its `.fileshare-partial/`
   * holds only pending data and goes away when nothing is pending.
   */
  doneRecordsDir?: string;
  /** Done-records older than this are forgotten. Default 7 days. */
  doneRetentionMs?: number;
  /**
   * File mode creation mask applied to the permission bits a sender offers (and to the default
   * mode when it offers none). Default: this process's umask.
   */
  umask?: number;
  /** Test seams; never set in normal use. */
  testHooks?: TransferTestHooks;
  logger?: Logger;
}

export interface TransferTestHooks {
  /**
   * Receiver: awaited after every file is verified, placed and recorded and the resume state is
   * removed, right before `complete` is sent; `signal` aborts when the transfer ends otherwise.
   * Lets a test kill the receiver in the "ambiguous end" (all verified, sender not told).
   */
  beforeComplete?: (transferId: string, signal: AbortSignal) => Promise<void>;
}

export interface FileEntry {
  /** Relative, `/`-separated. */
  path: string;
  size: number;
  kind: 'file' | 'directory';
}

export interface IncomingOffer {
  transferId: string;
  peerId: string;
  /** Sanitized (no control characters, at most 63 bytes). */
  senderName: string;
  files: FileEntry[];
  totalBytes: number;
  /** Set for text transfers. */
  text?: string;
  accept(): void;
  /**
   * Declines with `ERR_TRANSFER_DECLINED` (default), or with `ERR_TRANSFER_BUSY` when the offer is
   * turned away only because too many wait for a decision (the sender may try again later).
   */
  decline(code?: OfferDeclineCode): void;
}

export interface TransferProgress {
  transferId: string;
  direction: TransferDirection;
  peerId: string;
  /** Bytes done, including a resumed prefix. */
  bytes: number;
  totalBytes: number;
  /** Smoothed; counts only bytes moved in this transfer. */
  bytesPerSecond: number;
  etaSeconds?: number;
  currentFile?: string;
}

export interface CompletedFile {
  /** Relative path as finally written on the receiver (may be renamed, e.g. `a (1).txt`). */
  path: string;
  size: number;
  sha256: string;
  /**
   * The receiver already held this file verified (a done-record of an earlier transfer from the
   * same sender with the same path, size, mtime and SHA-256, or a complete `.part`): no byte of it
   * was sent and no second copy was made. `path` is where it already lies.
   */
  alreadyThere?: boolean;
}

export interface TransferResult {
  transferId: string;
  direction: TransferDirection;
  peerId: string;
  files: CompletedFile[];
  /** Payload bytes that went over the wire in this transfer (excludes the resumed prefix). */
  bytesTransferred: number;
  /** Bytes that were not sent again because the receiver already held them, verified. */
  resumedBytes: number;
  /** Receiver only: absolute receive folder. */
  savedTo?: string;
}

export interface OfferedEvent {
  transferId: string;
  peerId: string;
  senderName: string;
  files: FileEntry[];
  totalBytes: number;
  direction: TransferDirection;
  /** Set for text transfers. */
  text?: string;
}

/**
 * Both sides, once the receiver accepted and what it already holds is known (receiver: its
 * `accept` and `resume` pages are sent; sender: it read them all); before any file byte moves.
 */
export interface StartedEvent {
  transferId: string;
  direction: TransferDirection;
  peerId: string;
  totalBytes: number;
  /** Bytes the receiver holds and offered not to receive again (the sum of its resume offsets). */
  resumeFromBytes: number;
  /** Files it offered as held whole (resume offset = size): already there, not sent at all. */
  alreadyThereFiles: number;
}

/**
 * Both sides: the peer connection dropped in the middle of an accepted transfer. It is not failed
 * yet: when the same device is connected again within `graceMs`, the transfer goes on (a new
 * `started` event, then progress) from what the receiver holds; otherwise `failed` follows with
 * ERR_TRANSFER_PEER_GONE.
 */
export interface ReconnectingEvent {
  transferId: string;
  direction: TransferDirection;
  peerId: string;
  graceMs: number;
  /** Why the connection was lost. */
  message: string;
}

export interface FailedEvent {
  transferId: string;
  direction: TransferDirection;
  peerId: string;
  code: string;
  message: string;
}

export interface TextEvent {
  transferId: string;
  peerId: string;
  senderName: string;
  text: string;
}

export interface TransferEvents {
  offer: (offer: IncomingOffer) => void;
  offered: (o: OfferedEvent) => void;
  started: (s: StartedEvent) => void;
  reconnecting: (r: ReconnectingEvent) => void;
  progress: (p: TransferProgress) => void;
  complete: (r: TransferResult) => void;
  failed: (f: FailedEvent) => void;
  text: (t: TextEvent) => void;
}

export interface SendOptions {
  signal?: AbortSignal;
  /** Called once the transfer has an id (before the offer is sent), e.g. to allow `cancel(id)`. */
  onStarted?: (transferId: string) => void;
}

export interface TransferService {
  /** A peer got connected: its channels can carry transfers from now on. */
  attachPeer(peerId: string, channels: DataChannelProvider): void;
  /** A peer's connection went away: its running transfers fail with ERR_TRANSFER_PEER_GONE (partial data kept). */
  detachPeer(peerId: string): void;
  /**
   * Sends files and folders (absolute or cwd-relative; a folder goes with its tree, empty folders
   * included). Resolves when the receiver has verified every file; rejects with a TransferError.
   */
  sendFiles(peerId: string, paths: string[], options?: SendOptions): Promise<TransferResult>;
  /** Sends a text (at most 1 MiB of UTF-8); resolves once the receiver accepted it. */
  sendText(peerId: string, text: string, options?: SendOptions): Promise<TransferResult>;
  /** Cancels a running transfer in either direction (or declines a pending offer). Unknown ids are ignored. */
  cancel(transferId: string): void;
  on<E extends keyof TransferEvents>(event: E, listener: TransferEvents[E]): this;
  off<E extends keyof TransferEvents>(event: E, listener: TransferEvents[E]): this;
  /** Cancels running transfers (partial data kept), closes files and channels, clears timers. Idempotent. */
  close(): Promise<void>;
}
