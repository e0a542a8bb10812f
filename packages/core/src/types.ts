import type { Logger } from '@fileshare/protocol';

/** How a node treats incoming offers: accept all, decline all, or ask (emit and wait for a decision). */
export type AcceptPolicy = 'all' | 'none' | 'ask';

export interface FileshareNodeInit {
  /** Display name advertised to others. Default: the host name. */
  name?: string;
  /** Signaling TCP port; 0 picks a free one. Default 0. */
  port?: number;
  /** Where the device key (and so the device id) lives. Default: `$XDG_CONFIG_HOME/fileshare` or `~/.config/fileshare`. */
  stateDir?: string;
  /** Only use this network interface (OS name or IPv4 address). Default: every usable IPv4 interface. */
  interface?: string;
  /** Peers to reach by address (`host:port`) where multicast does not work. */
  peers?: string[];
  /** Where received files land. Default: `~/Downloads/fileshare` (or `~/fileshare` when there is no Downloads folder). */
  receiveDir?: string;
  /** Default `ask`. */
  accept?: AcceptPolicy;
  /** TTL of our mDNS records in seconds (how soon others forget us after a crash). Default 120. */
  mdnsTtlSeconds?: number;
  /** Data channels used for the bytes of one transfer. Default 1. */
  channelsPerTransfer?: number;
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
  id: string;
  name: string;
  address: string;
  port: number;
  state: PeerStatus;
  /** Added by address (`--peer`) rather than found by mDNS. */
  manual: boolean;
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
}

export type TransferDirection = 'send' | 'receive';

/**
 * Everything a node reports, as one discriminated union. The agent prints these as JSON lines
 * unchanged; the TUI reduces them into its screen state. Field names are part of the agent's
 * documented output: add fields freely, never rename.
 */
export type NodeEvent =
  | { event: 'ready'; deviceId: string; name: string; port: number; addresses: string[]; receiveDir: string }
  | { event: 'peer-discovered'; peerId: string; name: string; address: string; port: number; manual: boolean }
  | { event: 'peer-updated'; peerId: string; name: string; address: string; port: number }
  | { event: 'peer-state'; peerId: string; state: Exclude<PeerStatus, 'discovered'>; reason?: string }
  | { event: 'peer-removed'; peerId: string; reason: 'goodbye' | 'expired' | 'closed' }
  | {
      event: 'transfer-offered';
      transferId: string;
      direction: TransferDirection;
      peerId: string;
      peerName: string;
      files: TransferFile[];
      totalBytes: number;
      /** Incoming and waiting for a decision (accept policy `ask`). */
      awaitingDecision: boolean;
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
  | { event: 'warning'; code: string; message: string };

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
  sendText(peerId: string, text: string, options?: { signal?: AbortSignal }): Promise<TransferResult>;
  /** Decides an incoming offer that is awaiting a decision. */
  respondToOffer(transferId: string, decision: 'accept' | 'decline'): void;
  /** Accept everything from this peer until the node closes. */
  trustPeerForSession(peerId: string): void;
  cancelTransfer(transferId: string): void;

  /** Subscribes to every event; returns the unsubscribe function. */
  subscribe(listener: (event: NodeEvent) => void): () => void;
  /** Idempotent: goodbyes on mDNS, closes connections, transfers (partial data kept) and sockets. */
  close(): Promise<void>;
}
