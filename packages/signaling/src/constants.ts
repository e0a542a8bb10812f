/** Listen address when `SignalingInit.host` is not given: every IPv4 interface. */
export const DEFAULT_HOST = '0.0.0.0';

/** Inbound connections open at once; one more is accepted and closed at once (and logged). */
export const DEFAULT_MAX_CONNECTIONS = 64;

/**
 * Time a new connection has to deliver the other side's hello. Inbound: counted from accept.
 * Outbound: counted from the TCP connect, i.e. it bounds the listener's answer.
 */
export const DEFAULT_HELLO_TIMEOUT_MS = 5_000;

/**
 * A connection with no bytes in either direction for this long is closed (gracefully, see
 * CLOSE_GRACE_MS). Signaling is bursty, a few messages per WebRTC setup, so idle connections are
 * not worth keeping; the next send dials again.
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 120_000;

/** Longest wait for an outbound TCP connect before the dial fails with ERR_SIGNAL_CONNECT_TIMEOUT. */
export const CONNECT_TIMEOUT_MS = 5_000;

/**
 * After we half-close a connection (FIN), frames the other side wrote before it saw our FIN still
 * arrive and are delivered; if the other side has not closed its half within this time, the
 * socket is destroyed.
 */
export const CLOSE_GRACE_MS = 2_000;

/**
 * A send waits for the socket to drain when its write buffer is full; if it does not drain in
 * this time, the peer is not reading: the connection is destroyed and the send fails with
 * ERR_SIGNAL_SEND_TIMEOUT.
 */
export const DRAIN_TIMEOUT_MS = 10_000;

/**
 * Inbound connections open at once from one remote IP. An honest device needs one (two for a
 * moment when both sides dial at once); 8 leaves room for a few devices behind one NAT or a
 * restart racing its old connections, and keeps one host from filling the 64 slots alone.
 */
export const MAX_INBOUND_PER_ADDRESS = 8;

/**
 * Of those, connections still waiting for their hello. A hello follows the TCP connect within a
 * round trip, so more than a few pending at once from one IP is a slowloris, not a device.
 */
export const MAX_PENDING_HELLOS_PER_ADDRESS = 4;

/**
 * New inbound connections per remote IP: a token bucket refilled at this rate (per second)...
 * One WebRTC set-up needs one connection; a device re-dialling after errors needs a few.
 */
export const INBOUND_RATE_PER_ADDRESS = 10;

/** ...holding at most this many tokens (a burst of connections allowed at once). */
export const INBOUND_BURST_PER_ADDRESS = 20;

/**
 * Remote IPs whose rate bucket is remembered at once. A bucket is forgotten as soon as it has
 * refilled (at most INBOUND_BURST_PER_ADDRESS / INBOUND_RATE_PER_ADDRESS = 2 s after that IP's
 * last connection); beyond this many the least recently seen IP is forgotten first, so a flood
 * from many addresses costs bounded memory.
 */
export const MAX_RATE_TRACKED_ADDRESSES = 4096;

/**
 * Peers whose last listening address (from their hello) is remembered for re-dialling; the least
 * recently seen is forgotten first, so hellos with ever new ids cannot grow memory.
 */
export const MAX_LAST_SEEN_PEERS = 256;

/** Log lines per error code per LOG_WINDOW_MS about rejected or failed connections... */
export const LOG_LINES_PER_CODE = 5;

/** ...after which one line per window says how many more were suppressed. */
export const LOG_WINDOW_MS = 10_000;
