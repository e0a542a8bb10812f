import type { NetworkInterfaceInfo } from 'node:os';
import { type Result, err, ok } from '@fileshare/protocol';
import { MAX_ADVERTISED_ADDRESSES } from './constants.js';
import { DiscoveryError } from './errors.js';
import { isIPv4, isLinkLocal, isLoopback, isUsableUnicast, sameSubnet } from './ipv4.js';

export interface InterfaceAddress {
  address: string;
  netmask: string;
}

/** One network interface we advertise on and listen on: one multicast socket each. */
export interface LocalInterface {
  /** OS name, e.g. `eth0`. */
  name: string;
  loopback: boolean;
  /** IPv4 addresses advertised in A records sent on this interface; the first one sends. */
  addresses: InterfaceAddress[];
}

export type NetworkInterfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

export interface InterfaceSelection {
  interface?: string | undefined;
  loopback?: boolean | undefined;
}

function ipv4Entries(infos: NetworkInterfaceInfo[] | undefined): NetworkInterfaceInfo[] {
  // Node 18.0-18.3 reported family as a number; accept both.
  return (infos ?? []).filter(
    (i) => (i.family === 'IPv4' || (i.family as unknown) === 4) && isUsableUnicast(i.address),
  );
}

function toLocal(name: string, entries: NetworkInterfaceInfo[]): LocalInterface {
  const loopback = entries.some((e) => e.internal || isLoopback(e.address));
  // A link-local address next to a routable one is only a fallback nobody else will use.
  const routable = entries.filter((e) => !isLinkLocal(e.address));
  const chosen = (routable.length > 0 ? routable : entries).slice(0, MAX_ADVERTISED_ADDRESSES);
  return { name, loopback, addresses: chosen.map((e) => ({ address: e.address, netmask: e.netmask })) };
}

/**
 * Chooses the interfaces to run mDNS on, from `os.networkInterfaces()` (which on Linux, macOS
 * and Windows lists only interfaces that are up and running).
 * - `interface` given: that interface (by OS name), or the one that owns that IPv4 address
 *   (then only that address is advertised).
 * - otherwise: every interface with an IPv4 address, except loopback; interfaces that only have
 *   a link-local (169.254/16) address are dropped when any other has a routable one.
 * - loopback: added when `loopback` is true, or when it is not given and nothing else was found.
 */
export function selectInterfaces(all: NetworkInterfaces, sel: InterfaceSelection): Result<LocalInterface[], DiscoveryError> {
  const names = Object.keys(all);
  const loopbacks = names
    .map((n) => toLocal(n, ipv4Entries(all[n])))
    .filter((i) => i.loopback && i.addresses.length > 0)
    .map((i) => ({ ...i, addresses: i.addresses.filter((a) => a.address === '127.0.0.1').slice(0, 1) }))
    .filter((i) => i.addresses.length > 0);
  let chosen: LocalInterface[];

  if (sel.interface !== undefined) {
    const wanted = sel.interface;
    const byName = all[wanted] === undefined ? undefined : toLocal(wanted, ipv4Entries(all[wanted]));
    if (byName && byName.addresses.length > 0) {
      chosen = [byName];
    } else if (isIPv4(wanted)) {
      const owner = names.find((n) => ipv4Entries(all[n]).some((e) => e.address === wanted));
      const entries = owner === undefined ? [] : ipv4Entries(all[owner]).filter((e) => e.address === wanted);
      if (owner === undefined || entries.length === 0) return err(notFound(wanted));
      chosen = [toLocal(owner, entries)];
    } else {
      return err(notFound(wanted));
    }
  } else {
    const external = names
      .map((n) => toLocal(n, ipv4Entries(all[n])))
      .filter((i) => !i.loopback && i.addresses.length > 0);
    const routable = external.filter((i) => i.addresses.some((a) => !isLinkLocal(a.address)));
    chosen = routable.length > 0 ? routable : external;
  }

  const withLoopback = sel.loopback ?? chosen.length === 0;
  if (withLoopback) {
    for (const lo of loopbacks) if (!chosen.some((c) => c.name === lo.name)) chosen.push(lo);
  }
  if (chosen.length === 0) {
    return err(new DiscoveryError('ERR_DISCOVERY_NO_INTERFACE', 'No usable IPv4 network interface for discovery.'));
  }
  return ok(chosen);
}

function notFound(wanted: string): DiscoveryError {
  return new DiscoveryError(
    'ERR_DISCOVERY_INTERFACE_NOT_FOUND',
    `Network interface "${wanted}" was not found or has no IPv4 address.`,
  );
}

/** True when `address` is on one of the subnets of `iface`. */
export function onInterfaceSubnet(iface: LocalInterface, address: string): boolean {
  if (iface.loopback && isLoopback(address)) return true;
  return iface.addresses.some((a) => sameSubnet(a.address, address, a.netmask));
}

/** Stable comparison key: two selections with the same key need no socket changes. */
export function interfaceKey(iface: LocalInterface): string {
  return `${iface.name}=${iface.addresses.map((a) => `${a.address}/${a.netmask}`).join(',')}`;
}
