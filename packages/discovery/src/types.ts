import type { Logger } from '@fileshare/protocol';
import type { DiscoveryError } from './errors.js';

export interface DiscoveryInit {
  /** Our device id (32 lowercase hex); the instance is `Peer-<deviceId>`. */
  deviceId: string;
  /** Display name, carried in TXT `name` (sanitized, at most 63 UTF-8 bytes). */
  name: string;
  /** Our signaling TCP port, carried in SRV and TXT `port`. */
  port: number;
  /**
   * Restrict discovery to one interface: its OS name (`eth0`) or one of its IPv4 addresses (then
   * only that address is advertised). Default: every interface that is up and has an IPv4
   * address, except loopback, and except interfaces with only a link-local (169.254/16) address
   * when another interface has a routable one.
   */
  interface?: string;
  /**
   * TTL of our host-bound records (SRV, A, NSEC) in seconds; default 120 (RFC 6762 10). PTR and
   * TXT use max(4500, ttlSeconds) (RFC 6762 10: 75 minutes). Peers that stop answering are
   * dropped when their SRV or A records expire, so this bounds how long a crashed node is shown.
   */
  ttlSeconds?: number;
  /** Default: silentLogger. */
  logger?: Logger;
  /**
   * Also advertise and browse on 127.0.0.1 (two nodes on one machine without a network).
   * Default: true exactly when no other usable interface exists.
   */
  loopback?: boolean;
  /**
   * Pinned peers are never evicted to make room for newcomers when the instance table is full
   * (core pins connected, verified and trusted peers). Default: none pinned.
   */
  isPinned?: (deviceId: string) => boolean;
}

export interface DiscoveredPeer {
  /** Device id, from the instance name (and equal to TXT `id`). */
  id: string;
  /** Display name from TXT `name` (sanitized). */
  name: string;
  /** The address to connect to: one on a subnet we share with the peer when there is one. */
  address: string;
  /** Every IPv4 address currently known for the peer (shared-subnet ones first). */
  addresses: string[];
  /** Signaling port, from the SRV record. */
  port: number;
  /** Protocol version from TXT `v`. */
  version: number;
}

export type PeerLostReason = 'goodbye' | 'expired';

export interface Discovery {
  /**
   * Binds UDP 5353 on every chosen interface (shared with other responders), announces (twice,
   * 1 s apart) and starts browsing. Idempotent while pending or done. Rejects with a
   * DiscoveryError when no interface can be used; it may then be called again.
   */
  start(): Promise<void>;
  /** The local IPv4 addresses we advertise (all interfaces). */
  readonly addresses: readonly string[];
  peers(): DiscoveredPeer[];
  /** Ask again now (e.g. when a connection to a peer failed); restarts the query backoff. */
  query(): void;
  on(event: 'peer-found' | 'peer-updated', listener: (peer: DiscoveredPeer) => void): this;
  /** A known peer's records were heard again unchanged (announcement or refresh answer). */
  on(event: 'peer-seen', listener: (peer: DiscoveredPeer) => void): this;
  /**
   * The peer's records expired or were withdrawn (`goodbye`). A peer evicted to make room for a
   * newcomer when the instance table is full is lost with reason `expired`.
   */
  on(event: 'peer-lost', listener: (peer: DiscoveredPeer, reason: PeerLostReason) => void): this;
  on(event: 'warning', listener: (error: DiscoveryError) => void): this;
  off(event: 'peer-found' | 'peer-updated' | 'peer-seen', listener: (peer: DiscoveredPeer) => void): this;
  off(event: 'peer-lost', listener: (peer: DiscoveredPeer, reason: PeerLostReason) => void): this;
  off(event: 'warning', listener: (error: DiscoveryError) => void): this;
  /**
   * Idempotent: sends goodbyes (TTL 0) for our records on every interface, closes the sockets,
   * clears every timer. Resolves once the goodbyes are sent. Emits no further events.
   */
  close(): Promise<void>;
}
