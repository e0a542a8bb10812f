import { type KeyObject, createPublicKey, verify } from 'node:crypto';
import { deviceIdFromPublicKey, isDeviceId } from './device-id.js';
import { ProofError, type ProofErrorCode, type Result, err, ok } from './errors.js';
import { type SdpIdentity, parseSdpIdentity } from './sdp-identity.js';

/**
 * Proof of identity on offers and answers (docs/PROTOCOL.md, "Device identity"). The sender
 * signs, with its device key, a transcript that binds both device ids, the direction, and the
 * DTLS fingerprints and ICE ufrag of this very SDP (and, in an answer, of the offer it answers).
 * The receiver rebuilds the transcript from the SDP as it arrived; libdatachannel then checks
 * the DTLS certificate against the same fingerprints, so a valid proof means the far end of the
 * DTLS session holds the device key whose hash is the claimed id.
 */

/** SDP attribute name (session level): `a=x-fileshare-proof:<key>.<signature>`. */
export const PROOF_ATTRIBUTE = 'x-fileshare-proof';
/** First line of every transcript; names the scheme so a signature cannot be reused elsewhere. */
export const PROOF_TRANSCRIPT_LABEL = 'fileshare-proof-v2';
export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;

export type ProofKind = 'offer' | 'answer';

/** What a proof binds besides the SDP itself. */
export interface ProofBinding {
  kind: ProofKind;
  /** Device id of the side that sends this SDP. */
  senderId: string;
  /** Device id of the side it is sent to. */
  receiverId: string;
  /** For an answer: the offer SDP it answers (as sent by the initiator / as received by the responder). */
  offerSdp?: string;
}

export interface AddProofInit extends ProofBinding {
  /** The sender's raw 32-byte Ed25519 public key; must hash to `senderId`. */
  publicKey: Uint8Array;
  /** Ed25519 signature (64 bytes) by the sender's device key over `data`. */
  sign(data: Uint8Array): Uint8Array;
}

export interface VerifiedProof extends SdpIdentity {
  /** The sender's raw 32-byte Ed25519 public key, proven to hash to its device id. */
  publicKey: Uint8Array;
}

const ATTRIBUTE_PREFIX = `a=${PROOF_ATTRIBUTE}:`;
/** Any line that looks like our attribute, however spelled: counted so a second copy cannot hide. */
const ATTRIBUTE_LIKE = /^\s*a\s*=\s*x-fileshare-proof\s*:/i;
/** Unpadded base64url of exactly 32 and 64 bytes. */
const PROOF_VALUE = /^([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{86})$/;

/**
 * The transcript of docs/PROTOCOL.md, as UTF-8 bytes. Fails (never throws) when the SDP, or the
 * answered offer, lacks well-formed fingerprints or a single ICE ufrag.
 */
export function proofTranscript(sdp: string, binding: ProofBinding): Result<Uint8Array, ProofError> {
  const own = parseSdpIdentity(sdp);
  if (!own.ok) return own;
  if (!isDeviceId(binding.senderId) || !isDeviceId(binding.receiverId)) {
    return fail('ERR_PROOF_MALFORMED', 'The sender and receiver of a proof must be device ids.');
  }
  const lines = [
    PROOF_TRANSCRIPT_LABEL,
    binding.kind,
    binding.senderId,
    binding.receiverId,
    own.value.fingerprints.join(','),
    own.value.ufrag,
  ];
  if (binding.kind === 'answer') {
    if (binding.offerSdp === undefined) return fail('ERR_PROOF_MALFORMED', 'An answer proof needs the offer it answers.');
    const offer = parseSdpIdentity(binding.offerSdp);
    if (!offer.ok) return offer;
    lines.push(offer.value.fingerprints.join(','), offer.value.ufrag);
  } else if (binding.kind !== 'offer') {
    return fail('ERR_PROOF_MALFORMED', 'A proof is for an offer or an answer.');
  }
  return ok(new TextEncoder().encode(lines.join('\n')));
}

/**
 * Returns `sdp` with the proof attribute inserted before its first `m=` line (at the end when it
 * has none), keeping the SDP's line ending. Throws a TypeError on a key that is not `senderId`'s
 * or a signature of the wrong size, and the ProofError of {@link proofTranscript} on an SDP
 * without fingerprints or ufrag: all local mistakes, never the peer's.
 */
export function addProof(sdp: string, init: AddProofInit): string {
  if (init.publicKey.byteLength !== ED25519_PUBLIC_KEY_BYTES || deviceIdFromPublicKey(init.publicKey) !== init.senderId) {
    throw new TypeError('addProof: publicKey must be the raw 32-byte Ed25519 key whose device id is senderId.');
  }
  if (sdp.split(/\r\n|\n|\r/).some((line) => ATTRIBUTE_LIKE.test(line))) {
    throw new TypeError('addProof: the SDP already carries a proof.');
  }
  const transcript = proofTranscript(sdp, init);
  if (!transcript.ok) throw transcript.error;
  const signature = init.sign(transcript.value);
  if (signature.byteLength !== ED25519_SIGNATURE_BYTES) {
    throw new TypeError('addProof: sign() must return a 64-byte Ed25519 signature.');
  }
  const line = `${ATTRIBUTE_PREFIX}${base64url(init.publicKey)}.${base64url(signature)}`;
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(eol);
  const media = lines.findIndex((l) => l.startsWith('m='));
  if (media >= 0) {
    lines.splice(media, 0, line);
    return lines.join(eol);
  }
  const body = sdp.endsWith(eol) || sdp === '' ? sdp : sdp + eol;
  return `${body}${line}${eol}`;
}

/**
 * Checks the proof of an offer or answer as received. Never throws. Accepts only when exactly one
 * well-formed proof attribute is present, its key hashes to `senderId`, the SDP has well-formed
 * fingerprints and one ICE ufrag, and the signature verifies over the rebuilt transcript.
 */
export function verifyProof(sdp: string, binding: ProofBinding): Result<VerifiedProof, ProofError> {
  try {
    return verifyUnsafe(sdp, binding);
  } catch (error) {
    // Defensive: whatever odd input reached here, the answer is "refused", not an exception.
    return fail('ERR_PROOF_INVALID', `The proof could not be checked: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function verifyUnsafe(sdp: string, binding: ProofBinding): Result<VerifiedProof, ProofError> {
  if (typeof sdp !== 'string') return fail('ERR_PROOF_MISSING', 'The SDP carries no proof of identity.');
  const candidates = sdp.split(/\r\n|\n|\r/).filter((line) => ATTRIBUTE_LIKE.test(line));
  if (candidates.length === 0) return fail('ERR_PROOF_MISSING', 'The SDP carries no proof of identity (a=x-fileshare-proof).');
  if (candidates.length > 1) return fail('ERR_PROOF_MALFORMED', 'The SDP carries more than one proof of identity.');
  const line = candidates[0] ?? '';
  const match = line.startsWith(ATTRIBUTE_PREFIX) ? PROOF_VALUE.exec(line.slice(ATTRIBUTE_PREFIX.length)) : null;
  const publicKey = match ? decodeBase64url(match[1] ?? '', ED25519_PUBLIC_KEY_BYTES) : undefined;
  const signature = match ? decodeBase64url(match[2] ?? '', ED25519_SIGNATURE_BYTES) : undefined;
  if (!publicKey || !signature) {
    return fail('ERR_PROOF_MALFORMED', 'The proof of identity is not "<base64url 32-byte key>.<base64url 64-byte signature>".');
  }
  if (deviceIdFromPublicKey(publicKey) !== binding.senderId) {
    return fail('ERR_PROOF_KEY_MISMATCH', `The key in the proof is not the key of device ${String(binding.senderId)}.`);
  }
  const identity = parseSdpIdentity(sdp);
  if (!identity.ok) return identity;
  const transcript = proofTranscript(sdp, binding);
  if (!transcript.ok) return transcript;
  const key = ed25519PublicKey(publicKey);
  if (!key || !verify(null, transcript.value, key, signature)) {
    return fail('ERR_PROOF_INVALID', 'The proof of identity does not verify (wrong signature, or the SDP was changed in transit).');
  }
  return ok({ publicKey, fingerprints: identity.value.fingerprints, ufrag: identity.value.ufrag });
}

/** A node:crypto key from a raw Ed25519 public key (via JWK, which needs no DER prefix), or undefined. */
export function ed25519PublicKey(raw: Uint8Array): KeyObject | undefined {
  if (raw.byteLength !== ED25519_PUBLIC_KEY_BYTES) return undefined;
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: base64url(raw) }, format: 'jwk' });
  } catch {
    return undefined;
  }
}

/** The DER SPKI header of every Ed25519 public key (RFC 8410): the raw 32-byte key follows it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * The raw 32-byte public key of an Ed25519 key (private or public). Read from the DER SPKI
 * export, never the JWK one: Node 20's JWK export holds the key's mutex while it allocates
 * strings, and a garbage collection at that moment that frees the `generateKeyPairSync` job
 * of the same key locks that mutex again: the process deadlocks (seen about once per few
 * thousand fresh keys; reproduced in isolation, fixed upstream when Node 22 dropped
 * ManagedEVPPKey).
 */
export function rawEd25519PublicKey(key: KeyObject): Uint8Array {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const der = publicKey.export({ format: 'der', type: 'spki' });
  if (der.byteLength !== ED25519_SPKI_PREFIX.byteLength + ED25519_PUBLIC_KEY_BYTES || !der.subarray(0, ED25519_SPKI_PREFIX.byteLength).equals(ED25519_SPKI_PREFIX)) {
    throw new Error(`not an Ed25519 public key (${publicKey.asymmetricKeyType ?? 'unknown type'})`);
  }
  return new Uint8Array(der.subarray(ED25519_SPKI_PREFIX.byteLength));
}

function fail(code: ProofErrorCode, message: string): { ok: false; error: ProofError } {
  return err(new ProofError(code, message));
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** Strict: the text must be the canonical encoding of exactly `size` bytes (no stray bits). */
function decodeBase64url(text: string, size: number): Uint8Array | undefined {
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.byteLength !== size || bytes.toString('base64url') !== text) return undefined;
  return new Uint8Array(bytes);
}
