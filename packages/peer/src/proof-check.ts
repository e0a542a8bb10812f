import {
  type ProofBinding,
  type ProofKind,
  type SdpIdentity,
  type VerifiedProof,
  addProof,
  deviceIdFromPublicKey,
  verifyProof,
} from '@fileshare/protocol';
import { PeerError } from './errors.js';

/** Our device key, as the peer layer sees it: core owns the private key and signs for us. */
export interface PeerIdentity {
  /** Raw 32-byte Ed25519 public key; its device id must be `localId`. */
  publicKey: Uint8Array;
  /** Ed25519 signature (64 bytes) over `data` by the device key. */
  sign(data: Uint8Array): Uint8Array;
}

/** Throws a TypeError unless `identity` is a 32-byte key whose device id is `localId`. */
export function assertIdentity(localId: string, identity: PeerIdentity | undefined): asserts identity is PeerIdentity {
  if (!identity || !(identity.publicKey instanceof Uint8Array) || typeof identity.sign !== 'function') {
    throw new TypeError('identity must be { publicKey: Uint8Array, sign(data) }.');
  }
  if (identity.publicKey.byteLength !== 32 || deviceIdFromPublicKey(identity.publicKey) !== localId) {
    throw new TypeError('identity.publicKey must be the raw 32-byte Ed25519 key whose device id is localId.');
  }
}

/** Our SDP with our proof added (offer: `offerSdp` undefined; answer: the offer as received). */
export function signSdp(sdp: string, identity: PeerIdentity, kind: ProofKind, localId: string, peerId: string, offerSdp?: string): string {
  return addProof(sdp, { kind, senderId: localId, receiverId: peerId, offerSdp, publicKey: identity.publicKey, sign: (d) => identity.sign(d) });
}

/** Checks the proof of an offer or answer from `peerId` to us; the refusal is a PeerError with the ERR_PROOF_* code. */
export function checkProof(
  sdp: string,
  kind: ProofKind,
  localId: string,
  peerId: string,
  offerSdp?: string,
): { ok: true; value: VerifiedProof } | { ok: false; error: PeerError } {
  const binding: ProofBinding = { kind, senderId: peerId, receiverId: localId, offerSdp };
  const result = verifyProof(sdp, binding);
  if (result.ok) return result;
  const what = kind === 'offer' ? 'an offer' : 'an answer';
  return {
    ok: false,
    error: new PeerError(result.error.code, `Refused ${what} from peer ${peerId}: ${result.error.message}`, { cause: result.error }),
  };
}

/**
 * The offers we answered, per peer, so that a copy of one (captured on the network and sent
 * again, by anyone) is refused instead of costing a new connection. Bounded: the last `perPeer`
 * offers of each of the `maxPeers` peers that most recently had an offer answered.
 */
export class ReplayGuard {
  private readonly peers = new Map<string, Set<string>>();

  constructor(
    private readonly perPeer: number,
    private readonly maxPeers: number,
  ) {}

  has(peerId: string, offer: SdpIdentity): boolean {
    return this.peers.get(peerId)?.has(replayKey(offer)) ?? false;
  }

  add(peerId: string, offer: SdpIdentity): void {
    let set = this.peers.get(peerId);
    if (set) {
      this.peers.delete(peerId); // re-inserted below: most recently used last
    } else {
      set = new Set();
      if (this.peers.size >= this.maxPeers) {
        const [oldest] = this.peers.keys();
        if (oldest !== undefined) this.peers.delete(oldest);
      }
    }
    this.peers.set(peerId, set);
    set.add(replayKey(offer));
    if (set.size > this.perPeer) {
      const [oldest] = set;
      if (oldest !== undefined) set.delete(oldest);
    }
  }

  clear(): void {
    this.peers.clear();
  }
}

/** The ufrag and the fingerprints identify one offer: a new connection has a new ufrag. */
export function replayKey(offer: SdpIdentity): string {
  return `${offer.ufrag} ${offer.fingerprints.join(',')}`;
}
