import { createHash } from 'node:crypto';
import { ProtocolError, type Result, err, ok } from './errors.js';

/**
 * A device id is 32 lowercase hex characters: the first 16 bytes of SHA-256 over the device's
 * raw 32-byte Ed25519 public key. Deriving the id from a key means that, once offers carry a
 * signature bound to the DTLS fingerprint, nobody can claim an id without holding its key.
 */
export const DEVICE_ID_PATTERN = /^[0-9a-f]{32}$/;

export type DeviceId = string;

export function isDeviceId(value: unknown): value is DeviceId {
  return typeof value === 'string' && DEVICE_ID_PATTERN.test(value);
}

export function parseDeviceId(value: unknown): Result<DeviceId> {
  return isDeviceId(value)
    ? ok(value)
    : err(new ProtocolError('ERR_DEVICE_ID_INVALID', 'A device id is 32 lowercase hexadecimal characters.'));
}

export function deviceIdFromPublicKey(rawPublicKey: Uint8Array): DeviceId {
  return createHash('sha256').update(rawPublicKey).digest('hex').slice(0, 32);
}

/**
 * The tie-break of the protocol: plain string comparison. Because ids are fixed-length
 * lowercase hex, this equals comparing the id bytes as unsigned numbers. Returns <0, 0 or >0.
 */
export function compareDeviceIds(a: DeviceId, b: DeviceId): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** True when `local` is the side that sends the offer to `remote` (the lower id initiates). */
export function isInitiator(local: DeviceId, remote: DeviceId): boolean {
  return compareDeviceIds(local, remote) < 0;
}
