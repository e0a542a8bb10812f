import { InvalidArgumentError } from 'commander';

/** A device id: the first 16 bytes of SHA-256 of the device's public key, as 32 hex digits. */
const DEVICE_ID = /^[0-9a-f]{32}$/;

/**
 * Commander parser for a full device id (`--trust`, `trust add|remove`). Trust is given to one
 * exact key, so neither a prefix nor a name is accepted: both could match a different device.
 */
export function parseDeviceId(value: string): string {
  const id = value.trim().toLowerCase();
  if (!DEVICE_ID.test(id)) {
    throw new InvalidArgumentError('a device id is 32 hex digits, the full id shown next to the verification code (not a prefix or a name)');
  }
  return id;
}
