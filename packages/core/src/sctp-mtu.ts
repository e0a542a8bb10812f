import { readFileSync } from 'node:fs';
import type { NetworkInterfaceInfo } from 'node:os';

/**
 * The largest SCTP `mtu` (node-datachannel) we set. Measured on the LAN rig (docs in
 * /work/shared/DESIGN.md and issue 9): on a 9000-byte link, `mtu` 4000 gives ~120 MB/s where the
 * default gives ~51; values above about 4096 never connect or stall, so jumbo and loopback
 * links (MTU 9000, 65536) get 4000.
 */
export const MAX_SCTP_MTU = 4000;
/** Below this (IPv6's minimum link MTU) we leave libdatachannel's default, which assumes 1280. */
export const MIN_SCTP_MTU = 1280;

export type InterfaceTable = NodeJS.Dict<NetworkInterfaceInfo[]>;

function ipv4ToInt(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  return value;
}

function prefixLength(netmask: number): number {
  let bits = 0;
  for (let m = netmask; m > 0 && m >= 2 ** 31; m = (m - 2 ** 31) * 2) bits++;
  return bits;
}

/**
 * The interface whose IPv4 subnet holds `peerAddress` (the most specific one when several do);
 * undefined for IPv6 or unparsable addresses and for a peer on no local subnet (routed: the
 * path MTU is unknown).
 */
export function interfaceForPeer(interfaces: InterfaceTable, peerAddress: string): string | undefined {
  const peer = ipv4ToInt(peerAddress.replace(/^::ffff:/i, ''));
  if (peer === undefined) return undefined;
  let best: { name: string; bits: number } | undefined;
  for (const [name, addresses] of Object.entries(interfaces)) {
    for (const a of addresses ?? []) {
      if (a.family !== 'IPv4') continue;
      const address = ipv4ToInt(a.address);
      const mask = ipv4ToInt(a.netmask);
      if (address === undefined || mask === undefined) continue;
      // Unsigned: `>>> 0` after the bitwise AND, which works on 32-bit signed integers.
      if (((address & mask) >>> 0) !== ((peer & mask) >>> 0)) continue;
      const bits = prefixLength(mask);
      if (!best || bits > best.bits) best = { name, bits };
    }
  }
  return best?.name;
}

/** The SCTP `mtu` for a link of this MTU: the link MTU, at most {@link MAX_SCTP_MTU}; undefined (library default) when unknown or below {@link MIN_SCTP_MTU}. */
export function sctpMtuForLink(linkMtu: number | undefined): number | undefined {
  if (linkMtu === undefined || !Number.isInteger(linkMtu) || linkMtu < MIN_SCTP_MTU) return undefined;
  return Math.min(linkMtu, MAX_SCTP_MTU);
}

/** The MTU of a network interface from /sys/class/net/<name>/mtu (Linux); undefined elsewhere or when unreadable. */
export function readLinkMtu(name: string, platform: NodeJS.Platform = process.platform): number | undefined {
  if (platform !== 'linux' || !/^[^/\0]{1,15}$/.test(name) || name === '.' || name === '..') return undefined;
  try {
    const text = readFileSync(`/sys/class/net/${name}/mtu`, 'utf8').trim();
    return /^\d{1,6}$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The SCTP `mtu` for a connection to `peerAddress`: from the MTU of the interface whose subnet
 * holds it, capped at {@link MAX_SCTP_MTU}. Undefined (libdatachannel's default) when the peer is
 * on no local subnet or the MTU cannot be read (not Linux).
 */
export function chooseSctpMtu(
  interfaces: InterfaceTable,
  peerAddress: string | undefined,
  readMtu: (interfaceName: string) => number | undefined = readLinkMtu,
): number | undefined {
  if (peerAddress === undefined || peerAddress === '') return undefined;
  const name = interfaceForPeer(interfaces, peerAddress);
  return name === undefined ? undefined : sctpMtuForLink(readMtu(name));
}
