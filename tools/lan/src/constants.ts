/** Every namespace the rig creates starts with this, followed by the owning pid (see naming.ts). */
export const NAME_ROOT = 'fsrig';

/** The rig's addresses come from the benchmarking block 198.18.0.0/15 (RFC 2544): never routed. */
export const SUBNET_FIRST_OCTETS = [198, 18] as const;
/** 198.18.0.0/15 spans 198.18.x and 198.19.x: 512 possible /24s. */
export const SUBNET_COUNT = 512;
/** Host i gets .(HOST_ADDRESS_OFFSET + i); .1-.9 stay free for anything a test wants to add. */
export const HOST_ADDRESS_OFFSET = 10;
/** Highest usable last octet (.255 is broadcast). */
export const HOST_ADDRESS_LAST = 254;
export const MAX_HOSTS = HOST_ADDRESS_LAST - HOST_ADDRESS_OFFSET + 1;

export const DEFAULT_MTU = 1500;
/** IPv4 needs at least 68; veth allows up to 65535. */
export const MIN_MTU = 68;
export const MAX_MTU = 65535;
/**
 * The switch side of every veth gets the largest MTU so that only the host side decides what
 * fits: a host with a smaller MTU than its sender silently drops the big frames, like a real
 * LAN with mismatched MTUs.
 */
export const SWITCH_PORT_MTU = 65535;

/** Interface name of every host's link inside its namespace. */
export const HOST_INTERFACE = 'eth0';
export const BRIDGE_INTERFACE = 'br0';
/** Linux limits interface names to IFNAMSIZ - 1 characters. */
export const MAX_INTERFACE_NAME_LENGTH = 15;
/** Namespace names end up as files in /run/netns; keep them short and shell-safe. */
export const MAX_PREFIX_LENGTH = 64;

export const MULTICAST_RANGE = '224.0.0.0/4';
/** One nftables table per host namespace, replaced atomically on every change. */
export const NFT_TABLE = 'fileshare_rig';

/** How long close() waits for killed children to be reaped before deleting namespaces anyway. */
export const CHILD_EXIT_WAIT_MS = 2000;
/** Upper bound for any single ip/nft invocation of the rig itself. */
export const COMMAND_TIMEOUT_MS = 15000;
