/**
 * Version of the wire protocol; advertised in TXT key `v`. Bump on incompatible change.
 * 2: offers and answers carry a proof of identity (`a=x-fileshare-proof`); version 1 had none.
 */
export const PROTOCOL_VERSION = 2;

/** DNS-SD service type, without and with the `.local` domain. */
export const SERVICE_TYPE = '_fileshare._tcp';
export const SERVICE_DOMAIN = 'local';
export const SERVICE_FQDN = `${SERVICE_TYPE}.${SERVICE_DOMAIN}`;
/** Service instances are called `Peer-<device_id>`. */
export const INSTANCE_PREFIX = 'Peer-';

export const MDNS_MULTICAST_ADDRESS = '224.0.0.251';
export const MDNS_PORT = 5353;

/** Signaling frames: a 4-byte unsigned big-endian length, then that many bytes of UTF-8 JSON. */
export const SIGNAL_FRAME_HEADER_BYTES = 4;
/** Largest accepted frame body. An SDP with a dozen candidates is a few KiB. */
export const MAX_SIGNAL_FRAME_BYTES = 64 * 1024;
/** Largest `data` string in a signaling message (leaves room for the envelope). */
export const MAX_SIGNAL_DATA_LENGTH = 60 * 1024;
/** Version of the signaling connection hello (`hello.v`); follows {@link PROTOCOL_VERSION}. */
export const SIGNAL_HELLO_VERSION = 2;
/** Longest `hello.name` accepted on the wire, in characters; it is then cut like a TXT name. */
export const MAX_SIGNAL_HELLO_NAME_LENGTH = 256;

/** Longest device name carried in TXT `name` (DNS limits one TXT string to 255 bytes). */
export const MAX_DEVICE_NAME_BYTES = 63;
