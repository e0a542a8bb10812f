import { describe, expect, it } from '@jest/globals';
import type { NetworkInterfaceInfo } from 'node:os';
import { MAX_SCTP_MTU, type InterfaceTable, chooseSctpMtu, interfaceForPeer, readLinkMtu, sctpMtuForLink } from '../../src/sctp-mtu.js';

const v4 = (address: string, netmask: string, internal = false): NetworkInterfaceInfo => ({
  address,
  netmask,
  family: 'IPv4',
  mac: '00:00:00:00:00:00',
  internal,
  cidr: null,
});
const v6 = (address: string): NetworkInterfaceInfo => ({
  address,
  netmask: 'ffff:ffff:ffff:ffff::',
  family: 'IPv6',
  mac: '00:00:00:00:00:00',
  internal: false,
  cidr: null,
  scopeid: 0,
});

const TABLE: InterfaceTable = {
  lo: [v4('127.0.0.1', '255.0.0.0', true)],
  eth0: [v4('192.168.1.20', '255.255.255.0'), v6('fe80::1')],
  jumbo: [v4('10.9.0.1', '255.255.0.0')],
  // A more specific subnet inside jumbo's: it wins for its addresses.
  vlan: [v4('10.9.5.1', '255.255.255.128')],
};
const MTUS: Record<string, number> = { lo: 65_536, eth0: 1500, jumbo: 9000, vlan: 1400 };
const readMtu = (name: string): number | undefined => MTUS[name];

describe('SCTP mtu from the interface toward the peer', () => {
  it('picks the interface whose subnet holds the peer (the most specific one)', () => {
    expect(interfaceForPeer(TABLE, '192.168.1.77')).toBe('eth0');
    expect(interfaceForPeer(TABLE, '10.9.200.3')).toBe('jumbo');
    expect(interfaceForPeer(TABLE, '10.9.5.100')).toBe('vlan');
    expect(interfaceForPeer(TABLE, '10.9.5.200')).toBe('jumbo');
    expect(interfaceForPeer(TABLE, '127.0.0.1')).toBe('lo');
    expect(interfaceForPeer(TABLE, '::ffff:192.168.1.5')).toBe('eth0');
  });

  it('knows no interface for a routed peer, IPv6 or a malformed address', () => {
    for (const peer of ['8.8.8.8', 'fe80::2', '192.168.1', '192.168.1.256', 'host.local', '']) expect(interfaceForPeer(TABLE, peer)).toBeUndefined();
  });

  it('link 1500 -> 1500, link 9000 or loopback -> the 4000 cap, smaller links as they are', () => {
    expect(chooseSctpMtu(TABLE, '192.168.1.77', readMtu)).toBe(1500);
    expect(chooseSctpMtu(TABLE, '10.9.1.1', readMtu)).toBe(MAX_SCTP_MTU);
    expect(MAX_SCTP_MTU).toBe(4000);
    expect(chooseSctpMtu(TABLE, '127.0.0.1', readMtu)).toBe(4000);
    expect(chooseSctpMtu(TABLE, '10.9.5.100', readMtu)).toBe(1400);
  });

  it('leaves the default (undefined) when the peer address, the interface or its MTU is unknown, or the MTU is tiny', () => {
    expect(chooseSctpMtu(TABLE, undefined, readMtu)).toBeUndefined();
    expect(chooseSctpMtu(TABLE, '8.8.8.8', readMtu)).toBeUndefined();
    expect(chooseSctpMtu(TABLE, '192.168.1.77', () => undefined)).toBeUndefined();
    expect(sctpMtuForLink(576)).toBeUndefined();
    expect(sctpMtuForLink(1279)).toBeUndefined();
    expect(sctpMtuForLink(1280)).toBe(1280);
    expect(sctpMtuForLink(Number.NaN)).toBeUndefined();
  });

  it('reads /sys/class/net/<if>/mtu on Linux only, and refuses names that are paths', () => {
    expect(readLinkMtu('lo', 'darwin')).toBeUndefined();
    expect(readLinkMtu('../../etc', 'linux')).toBeUndefined();
    expect(readLinkMtu('..', 'linux')).toBeUndefined();
    expect(readLinkMtu('no-such-if0', 'linux')).toBeUndefined();
    if (process.platform === 'linux') expect(readLinkMtu('lo')).toBeGreaterThanOrEqual(1280);
  });
});
