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
