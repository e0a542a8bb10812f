import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from '@jest/globals';
import { type NetworkInterfaces, onInterfaceSubnet, selectInterfaces } from '../../src/interfaces.js';

const v4 = (address: string, netmask = '255.255.255.0', internal = false): NetworkInterfaceInfo => ({
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

const lo = { lo: [v4('127.0.0.1', '255.0.0.0', true), { ...v6('::1'), internal: true }] };
const laptop: NetworkInterfaces = {
  ...lo,
  eth0: [v4('192.168.1.20'), v6('fe80::1')],
  docker0: [v4('172.17.0.1', '255.255.0.0')],
  tun0: [v4('10.8.0.6', '255.255.255.255')],
  wlan0: [v4('169.254.3.4', '255.255.0.0')],
  eth1: [v6('fd00::5')],
};

const names = (all: NetworkInterfaces, sel: Parameters<typeof selectInterfaces>[1] = {}): string[] => {
  const r = selectInterfaces(all, sel);
  if (!r.ok) throw r.error;
  return r.value.map((i) => `${i.name}:${i.addresses.map((a) => a.address).join(',')}`);
};

describe('choosing interfaces', () => {
  it('uses every IPv4 interface but loopback, and drops link-local-only ones when others exist', () => {
    expect(names(laptop)).toEqual(['eth0:192.168.1.20', 'docker0:172.17.0.1', 'tun0:10.8.0.6']);
  });

  it('falls back to link-local, then to loopback, when nothing better exists', () => {
    expect(names({ ...lo, wlan0: [v4('169.254.3.4', '255.255.0.0')] })).toEqual(['wlan0:169.254.3.4']);
    expect(names(lo)).toEqual(['lo:127.0.0.1']);
  });

  it('prefers routable addresses on an interface that also has a link-local one', () => {
    expect(names({ eth0: [v4('169.254.9.9', '255.255.0.0'), v4('192.168.1.20')] })).toEqual(['eth0:192.168.1.20']);
  });

  it('adds loopback when asked, and leaves it out when told to', () => {
    expect(names(laptop, { loopback: true })).toContain('lo:127.0.0.1');
    const none = selectInterfaces(lo, { loopback: false });
    expect(none.ok ? [] : none.error.code).toBe('ERR_DISCOVERY_NO_INTERFACE');
  });

  it('restricts to one interface by name or by address', () => {
    expect(names(laptop, { interface: 'docker0' })).toEqual(['docker0:172.17.0.1']);
    expect(names(laptop, { interface: '192.168.1.20' })).toEqual(['eth0:192.168.1.20']);
    expect(names(laptop, { interface: 'lo' })).toEqual(['lo:127.0.0.1']);
  });

  it('reports an unknown or IPv6-only interface clearly', () => {
    for (const wanted of ['eth9', 'eth1', '10.1.1.1']) {
      const r = selectInterfaces(laptop, { interface: wanted });
      expect(r.ok ? undefined : r.error.code).toBe('ERR_DISCOVERY_INTERFACE_NOT_FOUND');
      expect(r.ok ? '' : r.error.message).toContain(wanted);
    }
  });

  it('tells which interface a sender belongs to by its subnet', () => {
    const r = selectInterfaces(laptop, { loopback: true });
    if (!r.ok) throw r.error;
    const [eth0, docker0, , loopback] = r.value;
    expect(onInterfaceSubnet(eth0!, '192.168.1.77')).toBe(true);
    expect(onInterfaceSubnet(eth0!, '172.17.0.2')).toBe(false);
    expect(onInterfaceSubnet(docker0!, '172.17.200.3')).toBe(true);
    expect(onInterfaceSubnet(loopback!, '127.0.0.1')).toBe(true);
    expect(onInterfaceSubnet(loopback!, '192.168.1.77')).toBe(false);
  });
});
