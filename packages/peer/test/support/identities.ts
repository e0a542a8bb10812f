// Real Ed25519 device keys for tests: ids are derived from the keys, exactly as in production.
import { type KeyObject, generateKeyPairSync, sign } from 'node:crypto';
import { type ProofKind, addProof, deviceIdFromPublicKey } from '@fileshare/protocol';
import type { PeerIdentity } from '../../src/index.js';

export interface TestKey {
  id: string;
  publicKey: Uint8Array;
  privateKey: KeyObject;
  /** What PeerManagerInit.identity takes. */
  identity: PeerIdentity;
}

export function testKey(): TestKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const x = publicKey.export({ format: 'jwk' }).x;
  if (typeof x !== 'string') throw new Error('no raw key');
  const raw = new Uint8Array(Buffer.from(x, 'base64url'));
  return {
    id: deviceIdFromPublicKey(raw),
    publicKey: raw,
    privateKey,
    identity: { publicKey: raw, sign: (data) => new Uint8Array(sign(null, data, privateKey)) },
  };
}

/** `count` keys sorted by device id (lowest first), so tests can pick initiators and responders. */
export function sortedKeys(count: number): TestKey[] {
  return Array.from({ length: count }, testKey).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** `sdp` with the proof of `from` for `to` (an answer binds `offerSdp`). */
export function signAs(from: TestKey, to: string, kind: ProofKind, sdp: string, offerSdp?: string): string {
  return addProof(sdp, { kind, senderId: from.id, receiverId: to, offerSdp, publicKey: from.publicKey, sign: from.identity.sign });
}
