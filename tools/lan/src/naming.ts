import { randomBytes, randomInt } from 'node:crypto';
import {
  HOST_ADDRESS_LAST,
  HOST_ADDRESS_OFFSET,
  MAX_HOSTS,
  MAX_PREFIX_LENGTH,
  NAME_ROOT,
  SUBNET_COUNT,
  SUBNET_FIRST_OCTETS,
} from './constants.js';
import { LanError } from './errors.js';

/**
 * `fsrig-<pid>-<random>`: the pid lets a later run tell whether the owner is still alive
 * (stale sweep), the random part keeps two rigs of one process apart.
 */
export function defaultPrefix(pid: number = process.pid): string {
  return `${NAME_ROOT}-${pid}-${randomBytes(3).toString('hex')}`;
}

const PREFIX_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function validatePrefix(prefix: string): void {
  if (prefix.length === 0 || prefix.length > MAX_PREFIX_LENGTH || !PREFIX_PATTERN.test(prefix)) {
    throw new LanError(
      'ERR_LAN_INVALID_ARGUMENT',
      `LAN prefix must be 1-${MAX_PREFIX_LENGTH} characters of letters, digits, '_', '.', '-': got ${JSON.stringify(prefix)}.`,
    );
  }
}

export function switchNetnsName(prefix: string): string {
  return `${prefix}-sw`;
}

export function hostNetnsName(prefix: string, index: number): string {
  return `${prefix}-h${index}`;
}

/** Switch-side end of host i's veth (lives in the switch namespace only). */
export function switchPortName(index: number): string {
  return `p${index}`;
}

const OWNED_NAME = new RegExp(`^${NAME_ROOT}-(\\d+)-`);

/** Pid that created a namespace with our naming scheme, or undefined for any other name. */
export function ownerPidOf(netns: string): number | undefined {
  const match = OWNED_NAME.exec(netns);
  if (!match?.[1]) return undefined;
  const pid = Number(match[1]);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** Names from `ip netns list` output ("name" or "name (id: 3)" per line). */
export function parseNetnsList(output: string): string[] {
  return output
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name.length > 0);
}

export interface Subnet {
  /** e.g. '198.19.42' */
  readonly base: string;
  /** e.g. '198.19.42.0/24' */
  readonly cidr: string;
}

/** A /24 inside 198.18.0.0/15; `pick` is 0..511 (random by default). */
export function subnetFor(pick: number = randomInt(SUBNET_COUNT)): Subnet {
  if (!Number.isInteger(pick) || pick < 0 || pick >= SUBNET_COUNT) {
    throw new LanError('ERR_LAN_INVALID_ARGUMENT', `Subnet pick must be 0-${SUBNET_COUNT - 1}, got ${pick}.`);
  }
  const [a, b] = SUBNET_FIRST_OCTETS;
  const base = `${a}.${b + Math.floor(pick / 256)}.${pick % 256}`;
  return { base, cidr: `${base}.0/24` };
}

export function hostAddress(subnet: Subnet, index: number): string {
  const last = HOST_ADDRESS_OFFSET + index;
  if (!Number.isInteger(index) || index < 0 || last > HOST_ADDRESS_LAST) {
    throw new LanError('ERR_LAN_INVALID_ARGUMENT', `Host index must be 0-${MAX_HOSTS - 1}, got ${index}.`);
  }
  return `${subnet.base}.${last}`;
}

export function validateHostCount(hosts: number): void {
  if (!Number.isInteger(hosts) || hosts < 1 || hosts > MAX_HOSTS) {
    throw new LanError('ERR_LAN_INVALID_ARGUMENT', `A LAN needs 1-${MAX_HOSTS} hosts, got ${hosts}.`);
  }
}
