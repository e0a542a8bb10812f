import { createHash } from 'node:crypto';

/** Domain separation for the verification code's hash chain. */
export const VERIFICATION_CODE_LABEL = 'fileshare-verification-v2';
/** Extra SHA-512 rounds after the first: each guess of an attacker grinding keys costs this many. */
export const VERIFICATION_CODE_ROUNDS = 4096;
/** Six groups of five decimal digits: 10^30 codes, about 99.7 bits. */
export const VERIFICATION_CODE_GROUPS = 6;

/**
 * The code both people compare on their screens (docs/PROTOCOL.md, "Verification code"). It
 * depends on the two raw 32-byte Ed25519 public keys only, not on their order, so both sides show
 * the same text: "01234 56789 01234 56789 01234 56789". An attacker who wants to sit between two
 * devices must find a key whose code with each victim matches: ~2^99.7 guesses, each 4097 SHA-512
 * compressions. Throws a TypeError when a key is not 32 bytes.
 */
export function verificationCode(publicKeyA: Uint8Array, publicKeyB: Uint8Array): string {
  if (publicKeyA.byteLength !== 32 || publicKeyB.byteLength !== 32) {
    throw new TypeError('verificationCode needs two raw 32-byte Ed25519 public keys.');
  }
  const a = Buffer.from(publicKeyA);
  const b = Buffer.from(publicKeyB);
  const [low, high] = Buffer.compare(a, b) <= 0 ? [a, b] : [b, a];
  let digest = createHash('sha512').update(VERIFICATION_CODE_LABEL, 'utf8').update(low).update(high).digest();
  for (let i = 0; i < VERIFICATION_CODE_ROUNDS; i++) {
    digest = createHash('sha512').update(digest).update(low).update(high).digest();
  }
  const groups: string[] = [];
  for (let g = 0; g < VERIFICATION_CODE_GROUPS; g++) {
    // A 5-byte big-endian integer (< 2^40, exact in a double), reduced to five digits.
    const value = digest.readUIntBE(g * 5, 5) % 100_000;
    groups.push(value.toString().padStart(5, '0'));
  }
  return groups.join(' ');
}
