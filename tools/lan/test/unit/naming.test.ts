import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { MAX_HOSTS, MAX_INTERFACE_NAME_LENGTH, HOST_INTERFACE, BRIDGE_INTERFACE } from '../../src/constants.js';
import { LanError } from '../../src/errors.js';
import {
  defaultPrefix,
  hostAddress,
  hostNetnsName,
  ownerPidOf,
  parseNetnsList,
  subnetFor,
  switchNetnsName,
  switchPortName,
  validateHostCount,
  validatePrefix,
} from '../../src/naming.js';

function ipToNumber(address: string): number {
  return address.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

const BLOCK_START = ipToNumber('198.18.0.0');
const BLOCK_END = ipToNumber('198.19.255.255');

describe('names', () => {
  it('embeds the owning pid in the default prefix and differs between calls', () => {
    const one = defaultPrefix(4242);
    expect(one).toMatch(/^fsrig-4242-[0-9a-f]{6}$/);
    expect(defaultPrefix(4242)).not.toBe(one);
    expect(ownerPidOf(switchNetnsName(one))).toBe(4242);
    expect(ownerPidOf(hostNetnsName(one, 7))).toBe(4242);
  });

  it('recognises only our own naming scheme as sweepable', () => {
    expect(ownerPidOf('fsrig-123-abc-h0')).toBe(123);
    expect(ownerPidOf('fsrig-0-abc-h0')).toBeUndefined();
    expect(ownerPidOf('myns')).toBeUndefined();
    expect(ownerPidOf('xfsrig-123-abc')).toBeUndefined();
    expect(ownerPidOf('fsrig-abc-123')).toBeUndefined();
  });

  it('keeps every interface name within 15 characters', () => {
    for (const name of [HOST_INTERFACE, BRIDGE_INTERFACE, switchPortName(MAX_HOSTS - 1)]) {
      expect(name.length).toBeLessThanOrEqual(MAX_INTERFACE_NAME_LENGTH);
    }
  });

  it('parses `ip netns list` with and without ids', () => {
    expect(parseNetnsList('fsrig-1-a-h1 (id: 3)\nfsrig-1-a-sw (id: 2)\nplain\n\n')).toEqual([
      'fsrig-1-a-h1',
      'fsrig-1-a-sw',
      'plain',
    ]);
    expect(parseNetnsList('')).toEqual([]);
  });

  it('rejects prefixes that are not shell- and path-safe', () => {
    expect(() => validatePrefix('fsrig-1-abc')).not.toThrow();
    for (const bad of ['', '-x', 'a b', 'a/b', '../x', 'x'.repeat(65)]) {
      expect(() => validatePrefix(bad)).toThrow(LanError);
    }
  });
});

describe('addresses', () => {
  it('puts every subnet and host address inside 198.18.0.0/15', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 511 }), fc.integer({ min: 0, max: MAX_HOSTS - 1 }), (pick, index) => {
        const subnet = subnetFor(pick);
        const address = ipToNumber(hostAddress(subnet, index));
        expect(address).toBeGreaterThanOrEqual(BLOCK_START);
        expect(address).toBeLessThanOrEqual(BLOCK_END);
        expect(subnet.cidr).toBe(`${subnet.base}.0/24`);
        expect(hostAddress(subnet, index).startsWith(`${subnet.base}.`)).toBe(true);
      }),
    );
  });

  it('maps the 512 picks onto 512 distinct /24s', () => {
    const all = new Set(Array.from({ length: 512 }, (_, pick) => subnetFor(pick).cidr));
    expect(all.size).toBe(512);
    expect(subnetFor(0).cidr).toBe('198.18.0.0/24');
    expect(subnetFor(511).cidr).toBe('198.19.255.0/24');
  });

  it('numbers hosts from .10 and refuses indexes that do not fit', () => {
    const subnet = subnetFor(7);
    expect(hostAddress(subnet, 0)).toBe('198.18.7.10');
    expect(hostAddress(subnet, 1)).toBe('198.18.7.11');
    expect(hostAddress(subnet, MAX_HOSTS - 1)).toBe('198.18.7.254');
    expect(() => hostAddress(subnet, MAX_HOSTS)).toThrow(LanError);
    expect(() => hostAddress(subnet, -1)).toThrow(LanError);
    expect(() => subnetFor(512)).toThrow(LanError);
  });

  it('validates the host count', () => {
    expect(() => validateHostCount(1)).not.toThrow();
    expect(() => validateHostCount(MAX_HOSTS)).not.toThrow();
    for (const bad of [0, -1, 1.5, MAX_HOSTS + 1, Number.NaN]) {
      expect(() => validateHostCount(bad)).toThrow(expect.objectContaining({ code: 'ERR_LAN_INVALID_ARGUMENT' }));
    }
  });
});
