import type { Logger, SignalMessage } from '@fileshare/protocol';
import type { SignalingError } from './errors.js';

export interface SignalingInit {
  /** Our device id (32 lowercase hex), sent in the hello and required as `peer_id` of what we send. */
  deviceId: string;
  /** Our display name, sent in the hello (sanitized and cut to 63 UTF-8 bytes). */
  name: string;
  /** TCP port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Listen address; default '0.0.0.0'. */
  host?: string;
  /** Default: silent. */
  logger?: Logger;
  /**
   * Inbound connections open at once; default 64. When all are taken, a newcomer evicts the
   * oldest connection still waiting for its hello, else the longest idle one whose peer is not
   * authenticated (see `isAuthenticated`); if there is none, it is closed at once and logged.
   */
  maxConnections?: number;
  /**
   * Whether a peer has proven its identity (core: a proven, connected peer connection). Such a
   * peer's connections are never evicted to make room for a newcomer. Default: nobody is.
   */
  isAuthenticated?: (peerId: string) => boolean;
  /** Default 5000: a connection that delivers no valid hello in time is closed. */
  helloTimeoutMs?: number;
  /** Default 120000: a connection with no traffic in either direction for this long is closed. */
  idleTimeoutMs?: number;
}

/** What the device at the other end of a connection said about itself. */
export interface RemoteHello {
  peerId: string;
  name: string;
  /** Its listening signaling port (0: it accepts no connections). */
  port: number;
  version: number;
  /** Remote IP as seen on the socket (IPv4-mapped IPv6 addresses are given as plain IPv4). */
  address: string;
}

export interface SignalTarget {
  peerId: string;
  /** Where to dial if no connection with the peer is open; default: where we last saw it. */
  address?: string;
  port?: number;
}

export interface ConnectionErrorInfo {
  /** Remote IP. */
  address: string;
  /** Set once the connection's hello was accepted. */
  peerId?: string;
}

/** One open TCP connection, for diagnostics. */
export interface ConnectionInfo {
  direction: 'inbound' | 'outbound';
  /** `hello`: waiting for the other side's hello; `open`: usable; `closing`: half-closed, draining. */
  state: 'hello' | 'open' | 'closing';
  address: string;
  peerId?: string;
}

export interface SendOptions {
  signal?: AbortSignal;
  /**
   * Default true. `false`: never open a TCP connection; send on an open connection with the peer
   * or reject with ERR_SIGNAL_NO_CONNECTION (for a peer known only from its hello, which must not
   * make us dial an address it merely claimed).
   */
  dial?: boolean;
}

export interface SignalingEvents {
  /** A peer identified itself on a connection (inbound or outbound); fires once per connection. */
  hello: (hello: RemoteHello) => void;
  /** A valid message whose `peer_id` equals the connection's hello id. */
  message: (message: SignalMessage, from: RemoteHello) => void;
  /**
   * A connection broke the protocol (bad frame, hello timeout...) or was evicted for a newcomer
   * (ERR_SIGNAL_EVICTED); it was closed, the rest goes on. Fires for every such connection; the
   * log lines about them are rate-limited.
   */
  'connection-error': (error: SignalingError, info: ConnectionErrorInfo) => void;
  /**
   * The last open connection bound to `peerId` (by its hello) closed, whatever the reason; fires
   * once per such transition, after the connection is gone from connections().
   */
  disconnected: (event: { peerId: string }) => void;
}

export interface Signaling {
  /** Starts listening; resolves with the bound port. Calling it again returns the same port. */
  listen(): Promise<number>;
  /** The bound port, 0 before listen(). */
  readonly port: number;
  /**
   * Ensures a connection with the peer (reusing any open one, inbound or outbound; otherwise
   * dialling `address:port`, or where the peer was last seen) and sends the message, whose
   * `peer_id` must be our device id. Resolves once the frame is handed to the operating system
   * (there is no delivery acknowledgement). If the open connection turns out broken, dials once
   * more. Messages sent in order over one connection arrive in that order. With `dial: false`
   * only an open connection is used (ERR_SIGNAL_NO_CONNECTION otherwise).
   */
  send(target: SignalTarget, message: SignalMessage, options?: SendOptions): Promise<void>;
  /**
   * Dials an address whose device id we do not know (a manually added peer), exchanges hellos
   * and resolves with the remote hello. The connection is kept for reuse; if an open connection
   * already leads to that address and port, it is reused without dialling.
   */
  connect(address: string, port: number, options?: { signal?: AbortSignal }): Promise<RemoteHello>;
  on<E extends keyof SignalingEvents>(event: E, listener: SignalingEvents[E]): this;
  off<E extends keyof SignalingEvents>(event: E, listener: SignalingEvents[E]): this;
  /** Open TCP connections (any state). */
  connectionCount(): number;
  connections(): ConnectionInfo[];
  /**
   * Remote IPs for which per-address state is held (connection-rate buckets), for diagnostics: it
   * falls back to 0 within a few seconds once connection attempts stop.
   */
  trackedAddresses(): number;
  /** Idempotent: stops listening, destroys every connection, rejects pending sends, clears timers and listeners. */
  close(): Promise<void>;
}
