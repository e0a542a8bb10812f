import { FileshareError } from '@fileshare/protocol';

export type DiscoveryErrorCode =
  /** start(): no usable IPv4 interface (and loopback disabled). */
  | 'ERR_DISCOVERY_NO_INTERFACE'
  /** start(): the interface named in `interface` does not exist or has no IPv4 address. */
  | 'ERR_DISCOVERY_INTERFACE_NOT_FOUND'
  /** start(): port 5353 could not be bound on any interface. */
  | 'ERR_DISCOVERY_BIND'
  /** start() after close(). */
  | 'ERR_DISCOVERY_CLOSED'
  /** Invalid option given to createDiscovery(). */
  | 'ERR_DISCOVERY_INVALID_OPTION'
  /** Warning: a socket reported a problem (membership, send, bind on one interface). */
  | 'ERR_DISCOVERY_SOCKET'
  /** Warning: a packet that is not valid DNS. */
  | 'ERR_DISCOVERY_MALFORMED_PACKET'
  /** Warning: a record of our service type that is invalid (TXT, instance name, SRV, address). */
  | 'ERR_DISCOVERY_INVALID_RECORD'
  /** Warning: SRV and TXT disagree on the port; the SRV port is used. */
  | 'ERR_DISCOVERY_PORT_MISMATCH'
  /** Warning: the peer table or record cache is full; new records are ignored. */
  | 'ERR_DISCOVERY_LIMIT';

export class DiscoveryError extends FileshareError {
  declare readonly code: DiscoveryErrorCode;

  constructor(code: DiscoveryErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'DiscoveryError';
  }
}
