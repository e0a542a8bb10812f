/**
 * Timings and limits of fileshare discovery. Values marked RFC follow RFC 6762 (Multicast DNS)
 * and RFC 6763 (DNS-SD); the others are ours and are documented in docs/PROTOCOL.md.
 */

/** TTL of the host-bound records (SRV, A, NSEC), seconds. RFC 6762 10 recommends 120. */
export const DEFAULT_TTL_SECONDS = 120;
/** TTL of the other records (PTR, TXT), seconds. RFC 6762 10 recommends 75 minutes. */
export const SERVICE_TTL_SECONDS = 4500;
/** Legacy unicast answers carry at most this TTL (RFC 6762 6.7). */
export const LEGACY_UNICAST_MAX_TTL_SECONDS = 10;

/** The announcement is repeated once, this long after the first (RFC 6762 8.3: at least 1 s). */
export const ANNOUNCE_REPEAT_MS = 1000;
/** Browse queries: first at start, then after 1 s, doubling up to the cap (RFC 6762 5.2). */
export const QUERY_BACKOFF_INITIAL_MS = 1000;
export const QUERY_BACKOFF_MAX_MS = 60_000;
/** The same question is not asked on the same interface more often than this (RFC 6762 5.2). */
export const MIN_QUESTION_INTERVAL_MS = 1000;
/** A record received with TTL 0 (goodbye) or flushed stays this long, then is deleted (RFC 6762 10.1, 10.2). */
export const GOODBYE_GRACE_MS = 1000;
/** Cache refresh queries at these fractions of a record's TTL, plus up to REFRESH_JITTER (RFC 6762 5.2). */
export const REFRESH_FRACTIONS: readonly number[] = [0.8, 0.85, 0.9, 0.95];
export const REFRESH_JITTER = 0.02;
/** Answers that contain shared records (PTR) are delayed by a random 20-120 ms (RFC 6762 6). */
export const SHARED_ANSWER_DELAY_MIN_MS = 20;
export const SHARED_ANSWER_DELAY_MAX_MS = 120;
/** A record is not multicast again on the same interface sooner than this (RFC 6762 6). */
export const MIN_MULTICAST_INTERVAL_MS = 1000;
/** How often the list of network interfaces is read again (VPN up, cable unplugged, DHCP). */
export const INTERFACE_POLL_MS = 5000;

/**
 * At most this many instances (peers and half-resolved ones) are tracked; a newcomer beyond it
 * evicts the instance heard least recently that is not pinned (connected, verified or trusted),
 * so a flood of fake records cannot keep an honest newcomer out.
 */
export const MAX_PEERS = 1024;
/**
 * At most this many instances are learnt from one source address: an honest host announces one
 * device (a few at most); records of further instances from it are ignored with a warning.
 */
export const MAX_INSTANCES_PER_SOURCE = 8;
/** At most this many records are cached (all interfaces together). */
export const MAX_CACHE_RECORDS = 8192;
/** At most this many A records are kept per host name and interface. */
export const MAX_ADDRESSES_PER_HOST = 16;
/** At most this many IPv4 addresses of one interface are advertised. */
export const MAX_ADVERTISED_ADDRESSES = 8;
/** Warnings: identical messages are reported once per this window; and at most WARNING_BURST per window overall. */
export const WARNING_DEDUPE_MS = 60_000;
export const WARNING_BURST = 20;
export const WARNING_WINDOW_MS = 10_000;

/** DNS-SD service type enumeration name (RFC 6763 9). */
export const SERVICE_ENUMERATION_FQDN = '_services._dns-sd._udp.local';
