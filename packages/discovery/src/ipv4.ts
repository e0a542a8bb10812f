/** Small IPv4 helpers (dotted quad <-> 32-bit unsigned). */

const QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(value: string): boolean {
  return QUAD.test(value);
}

export function ipv4ToInt(value: string): number {
  const [a = 0, b = 0, c = 0, d = 0] = value.split('.').map(Number);
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

export function sameSubnet(a: string, b: string, netmask: string): boolean {
  const mask = ipv4ToInt(netmask);
  return ((ipv4ToInt(a) & mask) >>> 0) === ((ipv4ToInt(b) & mask) >>> 0);
}

export function isLoopback(address: string): boolean {
  return address.startsWith('127.');
}

export function isLinkLocal(address: string): boolean {
  return address.startsWith('169.254.');
}

/** An address a peer could be told to connect to: unicast, not 0.0.0.0, not multicast/broadcast. */
export function isUsableUnicast(address: string): boolean {
  if (!isIPv4(address)) return false;
  const first = Number(address.slice(0, address.indexOf('.')));
  return first !== 0 && first < 224 && address !== '255.255.255.255';
}

/** Numeric order, for stable lists. */
export function compareIPv4(a: string, b: string): number {
  return ipv4ToInt(a) - ipv4ToInt(b);
}
