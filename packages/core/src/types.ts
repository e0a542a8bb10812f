import type { Logger } from '@fileshare/protocol';

/**
 * How a node treats incoming offers:
 * - `all`: accept every offer (except from look-alikes and blocked peers);
 * - `none`: decline every offer (trusted peers included: a send-only node);
 * - `ask`: trusted peers are accepted, others emit `transfer-offered` with `awaitingDecision` and
 *   wait for `respondToOffer` (one prompt per peer at a time, see FileshareNode.respondToOffer);
 * - `trusted`: accept only peers that proved their key and are in the trust file (or
 *   `FileshareNodeInit.trust`); decline everyone else without asking.
 * A *look-alike* (a peer whose name equals a trusted peer's, compared after sanitizing and
 * case-folding, with another id) is never accepted automatically: declined, or under `ask`
 * asked with `lookalikeOf` set and a `WARN_LOOKALIKE_PEER` warning.
 */
export type AcceptPolicy = 'all' | 'none' | 'ask' | 'trusted';

export interface FileshareNodeInit {
  /** Display name advertised to others. Default: the host name. */
  name?: string;
  /** Signaling TCP port; 0 picks a free one. Default 0. */
  port?: number;
  /**
   * Where the device key (and so the device id) and the trusted peers (`trusted-peers.json`) live.
   * Must be ours and not writable by others (ERR_STATE_INSECURE otherwise); created 0700.
   * Default: `$XDG_CONFIG_HOME/fileshare` or `~/.config/fileshare`.
   */
  stateDir?: string;
  /** Only use this network interface (OS name or IPv4 address). Default: every usable IPv4 interface. */
  interface?: string;
  /**
   * Peers to reach by address (`host:port`) where multicast does not work. Dialled (with backoff)
   * until they answer; listed once the device there proved its id. Default none.
   */
  peers?: string[];
  /** Where received files land. Default: `~/Downloads/fileshare` (or `~/fileshare` when there is no Downloads folder). */
  receiveDir?: string;
  /** Default `ask`. */
  accept?: AcceptPolicy;
  /**
   * Device ids trusted for this session only (not written to the trust file), as if in it: under
   * `trusted` and `ask` their offers are accepted once they proved their key. Default none.
   */
  trust?: string[];
  /** TTL of our mDNS records in seconds (how soon others forget us after a crash). Default 120. */
  mdnsTtlSeconds?: number;
  /** Data channels used for the bytes of one transfer. Default 1. */
  channelsPerTransfer?: number;
  /** Default: silent. */
  logger?: Logger;
  /** Receives every event from the start on, including `ready` and start-up warnings. */
  onEvent?: (event: NodeEvent) => void;
}

/**
 * Connection state of a peer as users see it. `discovered`: known, no connection attempt yet
 * (or we are the higher id and wait for its offer). The other four are the protocol's states.
 */
export type PeerStatus = 'discovered' | 'initiated' | 'initiating' | 'connected' | 'not-connected';

export interface PeerInfo {
  /** Device id (32 lowercase hex). */
  id: string;
  /** Its display name (sanitized; still peer-supplied: print it through safeForTerminal). */
  name: string;
  /**
   * Its IPv4 address and signaling port as found (mDNS, or its hello when it reached us). Frozen
   * while its authenticated connection is live: mDNS records then only change where we dial next.
   */
  address: string;
  port: number;
  state: PeerStatus;
  /** Added by address (`--peer`) rather than found by mDNS. */
  manual: boolean;
  /**
   * It proved its device key on a connection this session (stays true after it disconnects).
   * An unverified peer is only a claim made on mDNS: anyone on the LAN can make it.
   */
  verified: boolean;
  /** Verified and trusted (in the trust file, or for this session). */
  trusted: boolean;
  /** Set when its name equals (sanitized, case-folded) the name of this trusted peer id while its own id differs: likely an impostor. */
  lookalikeOf?: string;
  /** The code both people compare ("01234 56789 ..."); set once verified. See FileshareNode.verificationCode. */
  verificationCode?: string;
}

/** An entry of the trust file (`<stateDir>/trusted-peers.json`), or a session-only trust. */
export interface TrustedPeer {
  /** Device id (32 lowercase hex). */
  id: string;
  /** The name it had when trusted ('' when added by id only). Used to spot look-alikes. */
  name: string;
  /** Its raw 32-byte Ed25519 public key, base64url; stored once it proved it (absent when added by id before connecting). */
  publicKey?: string;
  /** When it was trusted, ISO 8601 ('' when the file did not say). */
  addedAt: string;
  /** Trusted for this session only (`FileshareNodeInit.trust`, `trustPeerForSession`), not in the file. Absent for file entries. */
  session?: boolean;
}

export interface TransferFile {
  /** Relative path, `/`-separated. */
  path: string;
  size: number;
  kind: 'file' | 'directory';
}

export interface CompletedFile {
  /** Relative path as finally written (may have been renamed to avoid overwriting). */
  path: string;
  size: number;
  sha256: string;
  /**
   * True when this file was not sent again because the receiver already held it verified (same
   * sender device, path, size, mtime and SHA-256, from an earlier transfer): no second copy was
   * made, and on the receiver `path` is where the earlier copy lies.
   */
  alreadyThere?: boolean;
}

export type TransferDirection = 'send' | 'receive';

/**
 * Everything a node reports, as one discriminated union. The agent prints these as JSON lines
 * unchanged; the TUI reduces them into its screen state. Field names are part of the agent's
 * documented output: add fields freely, never rename.
 */
export type NodeEvent =
  | { event: 'ready'; deviceId: string; name: string; port: number; addresses: string[]; receiveDir: string }
  /** A peer is listed: found by mDNS (unverified), or one known only from a hello / `--peer` that just proved its id. */
  | { event: 'peer-discovered'; peerId: string; name: string; address: string; port: number; manual: boolean }
  /** New mDNS details of a peer without a live connection (a connected peer's shown details never change). */
  | { event: 'peer-updated'; peerId: string; name: string; address: string; port: number }
  | { event: 'peer-state'; peerId: string; state: Exclude<PeerStatus, 'discovered'>; reason?: string }
  /**
   * `goodbye`/`expired`: mDNS says it left (applied to a connected peer only once its connection
   * ends; `expired` also when the table of unverified peers is full); `closed`: the connection of
   * a peer listed only because of its proof ended.
   */
  | { event: 'peer-removed'; peerId: string; reason: 'goodbye' | 'expired' | 'closed' }
  | {
      event: 'transfer-offered';
      transferId: string;
      direction: TransferDirection;
      peerId: string;
      peerName: string;
      files: TransferFile[];
      totalBytes: number;
      /**
       * Incoming and waiting for a decision (accept policy `ask`). Emitted when it is this offer's
       * turn: a peer has at most one offer awaiting a decision; up to 3 more wait behind it unseen.
       */
      awaitingDecision: boolean;
      /** The peer is verified and trusted (see PeerInfo.trusted). */
      trusted: boolean;
      /** The peer (or the name in its offer) imitates this trusted peer id; never auto-accepted. */
      lookalikeOf?: string;
    }
  /**
   * The receiver accepted and both sides know what it already holds: emitted on both sides before
   * any byte flows (receiver: once it sent its accept and resume pages; sender: once it read them).
   * `resumeFromBytes`: bytes the receiver already holds and is not sent again (files already there
   * included); `alreadyThereFiles`: files it holds complete and verified, which are not sent at all.
   */
  /**
   * The peer connection dropped in the middle of this accepted transfer. It is not failed: when
   * the same device is connected again within `graceSeconds`, the transfer goes on by itself
   * (`transfer-started` again, then progress) from what the receiver holds; otherwise
   * `transfer-failed` with ERR_TRANSFER_PEER_GONE follows.
   */
  | { event: 'transfer-reconnecting'; transferId: string; direction: TransferDirection; peerId: string; graceSeconds: number; message: string }
  | {
      event: 'transfer-started';
      transferId: string;
      direction: TransferDirection;
      peerId: string;
      totalBytes: number;
      resumeFromBytes: number;
      alreadyThereFiles: number;
    }
  | {
      event: 'transfer-progress';
      transferId: string;
      direction: TransferDirection;
      peerId: string;
      bytes: number;
      totalBytes: number;
      bytesPerSecond: number;
      etaSeconds?: number;
      currentFile?: string;
    }
  | {
      event: 'transfer-complete';
      transferId: string;
      direction: TransferDirection;
      peerId: string;
      files: CompletedFile[];
      bytesTransferred: number;
      resumedBytes: number;
      /** Receiver: absolute folder the files landed in. */
      savedTo?: string;
    }
  | { event: 'transfer-failed'; transferId: string; direction: TransferDirection; peerId: string; code: string; message: string }
  | { event: 'text-received'; transferId: string; peerId: string; peerName: string; text: string }
  /**
   * A peer proved its device key for the first time this session. Show `verificationCode`: when
   * both screens show the same code, the connection is with that device (no one in between).
   */
  | { event: 'peer-verified'; peerId: string; name: string; verificationCode: string; trusted: boolean }
  /**
   * Something worth telling the person. Codes include `WARN_EPHEMERAL_IDENTITY`,
   * `WARN_LOOKALIKE_PEER` (a peer uses a trusted peer's name), `WARN_PROOF_REFUSED` (a connection
   * claiming a peer's id did not prove its key), `WARN_OFFER_BUSY` (offers declined with
   * ERR_TRANSFER_BUSY), `WARN_TRUST_FILE` (the trust file changed on disk and cannot be used; the
   * last good list stays). Warnings caused by what peers send are rate-limited (same code at most
   * once per 10 s per peer, at most 20 a minute). `peerId`: the peer concerned, when there is one.
   */
  | { event: 'warning'; code: string; message: string; peerId?: string };

export type NodeEventName = NodeEvent['event'];

export interface TransferResult {
  transferId: string;
  files: CompletedFile[];
  bytesTransferred: number;
  resumedBytes: number;
}

export interface FileshareNode {
  readonly deviceId: string;
  readonly name: string;
  readonly port: number;
  /** IPv4 addresses this node advertises. */
  readonly addresses: readonly string[];
  readonly receiveDir: string;

  peers(): PeerInfo[];
  /** Finds a peer by exact id, unique id prefix (>= 4 chars) or case-insensitive name. Throws ERR_PEER_AMBIGUOUS when a name matches several. */
  findPeer(idOrName: string): PeerInfo | undefined;
  /** Resolves once the peer named is connected; rejects on abort or timeout (ERR_PEER_NOT_FOUND / ERR_PEER_NOT_CONNECTED). */
  waitForPeer(idOrName: string, options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<PeerInfo>;
  /** Adds a peer by `host:port` (multicast blocked, other subnet). */
  addPeer(hostPort: string): Promise<void>;

  /** Sends files and folders; resolves when the receiver verified every file. */
  sendFiles(peerId: string, paths: string[], options?: { signal?: AbortSignal; onStarted?: (transferId: string) => void }): Promise<TransferResult>;
  /** Sends a text message (at most MAX_TRANSFER_TEXT_BYTES in UTF-8); resolves once the receiver confirmed it. */
  sendText(peerId: string, text: string, options?: { signal?: AbortSignal; onStarted?: (transferId: string) => void }): Promise<TransferResult>;
  /** Decides an incoming offer that is awaiting a decision; the peer's next queued offer (if any) is then shown. */
  respondToOffer(transferId: string, decision: 'accept' | 'decline'): void;
  /**
   * Trusts this peer until the node closes (the TUI's "always" before the code is compared): its
   * waiting offers and later ones are accepted under `ask` and `trusted`. Not written to the file.
   */
  trustPeerForSession(peerId: string): void;
  /**
   * Trusts a peer persistently: writes it (id, name, proven public key) to the trust file and
   * accepts its waiting offers. The peer (id, prefix or name) must have proven its key this
   * session (ERR_PEER_NOT_VERIFIED otherwise): call it after the person compared the code.
   */
  trustPeer(peerId: string): Promise<void>;
  /** Stops trusting a peer (trust file and session). Unknown ids are ignored. */
  untrustPeer(peerId: string): Promise<void>;
  /** Trust file entries, then session-only trusts (`session: true`). */
  trustedPeers(): TrustedPeer[];
  /**
   * Blocks a peer for this session: its waiting offers and every later one are declined
   * (ERR_TRANSFER_DECLINED) without asking or any event. Not persisted.
   */
  blockPeer(peerId: string): void;
  /** The verification code with this peer (id, prefix or name), once it proved its key this session. */
  verificationCode(peerId: string): string | undefined;
  cancelTransfer(transferId: string): void;

  /** Subscribes to every event; returns the unsubscribe function. */
  subscribe(listener: (event: NodeEvent) => void): () => void;
  /** Idempotent: goodbyes on mDNS, closes connections, transfers (partial data kept) and sockets. */
  close(): Promise<void>;
}
