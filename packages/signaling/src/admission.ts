import type { SignalingErrorCode } from './errors.js';

/** What admission needs to know about one inbound connection still holding a slot. */
export interface InboundSlot {
  address: string;
  /** `hello`: no hello yet; `open`: bound to `peerId`; `closing`: going away by itself. */
  state: 'hello' | 'open' | 'closing';
  peerId?: string;
  /** Monotonic ms when it was accepted. */
  acceptedAt: number;
  /** Monotonic ms of its last byte in either direction. */
  lastActive: number;
}

export interface AdmissionLimits {
  maxConnections: number;
  maxPerAddress: number;
  maxPendingHellosPerAddress: number;
}

export type Admission<S extends InboundSlot> =
  | { accept: true; evict?: S }
  | {
      accept: false;
      code: Extract<
        SignalingErrorCode,
        'ERR_SIGNAL_TOO_MANY_CONNECTIONS' | 'ERR_SIGNAL_TOO_MANY_FROM_ADDRESS' | 'ERR_SIGNAL_TOO_MANY_PENDING_HELLOS'
      >;
    };

/**
 * Decides whether a new inbound connection from `address` gets a slot, given the inbound
 * connections that hold one. Per-IP caps come first (one host cannot take every slot); when all
 * slots are taken the least valuable connection makes room: the oldest still without a hello,
 * else the longest idle one whose peer has not proven its identity. A proven peer's connection is
 * never given up for a stranger; with nothing to give up, the newcomer is refused.
 */
export function admit<S extends InboundSlot>(
  address: string,
  inbound: readonly S[],
  limits: AdmissionLimits,
  isAuthenticated: (peerId: string) => boolean,
): Admission<S> {
  let fromAddress = 0;
  let pendingFromAddress = 0;
  for (const slot of inbound) {
    if (slot.address !== address) continue;
    fromAddress++;
    if (slot.state === 'hello') pendingFromAddress++;
  }
  if (fromAddress >= limits.maxPerAddress) return { accept: false, code: 'ERR_SIGNAL_TOO_MANY_FROM_ADDRESS' };
  if (pendingFromAddress >= limits.maxPendingHellosPerAddress) return { accept: false, code: 'ERR_SIGNAL_TOO_MANY_PENDING_HELLOS' };
  if (inbound.length < limits.maxConnections) return { accept: true };

  let oldestPending: S | undefined;
  for (const slot of inbound) {
    if (slot.state === 'hello' && (!oldestPending || slot.acceptedAt < oldestPending.acceptedAt)) oldestPending = slot;
  }
  if (oldestPending) return { accept: true, evict: oldestPending };

  let idlest: S | undefined;
  for (const slot of inbound) {
    if (slot.state !== 'open' || slot.peerId === undefined) continue;
    if (idlest && slot.lastActive >= idlest.lastActive) continue;
    if (!isAuthenticated(slot.peerId)) idlest = slot;
  }
  if (idlest) return { accept: true, evict: idlest };
  return { accept: false, code: 'ERR_SIGNAL_TOO_MANY_CONNECTIONS' };
}
