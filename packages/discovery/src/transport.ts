import type { RemoteInfo } from 'node:dgram';
import type { Packet } from 'dns-packet';
import makeMdns from 'multicast-dns';
import { MDNS_MULTICAST_ADDRESS, MDNS_PORT } from '@fileshare/protocol';
import { DiscoveryError } from './errors.js';
import type { LocalInterface } from './interfaces.js';

export interface SocketHandlers {
  onPacket(packet: Packet, rinfo: RemoteInfo): void;
  onWarning(error: DiscoveryError): void;
}

/** One multicast-dns instance: joins 224.0.0.251 on one interface and multicasts out of it. */
export interface MdnsSocket {
  readonly iface: LocalInterface;
  /** Multicast to 224.0.0.251:5353 on this interface, or unicast to `to`. Never rejects. */
  send(packet: Packet, to?: { address: string; port: number }): Promise<Error | undefined>;
  close(): Promise<void>;
}

/**
 * Opens the socket for one interface. multicast-dns's own default (one socket, membership on
 * every interface, sending on the default one) would answer on interface X with whatever address
 * we put in the packet; one socket per interface with IP_MULTICAST_IF set makes "answer sent on X
 * carries X's addresses" hold (mafintosh/multicast-dns#43).
 *
 * The socket binds the group address 224.0.0.251:5353 with SO_REUSEADDR, not 0.0.0.0: it then
 * shares the port with avahi-daemon/mDNSResponder and never takes unicast datagrams meant for
 * them (Windows cannot bind a group address, so there it binds 0.0.0.0).
 */
export function openMdnsSocket(iface: LocalInterface, handlers: SocketHandlers): Promise<MdnsSocket> {
  const primary = iface.addresses[0]?.address ?? '0.0.0.0';
  const mdns = makeMdns({
    port: MDNS_PORT,
    ip: MDNS_MULTICAST_ADDRESS,
    interface: primary,
    bind: process.platform === 'win32' ? '0.0.0.0' : MDNS_MULTICAST_ADDRESS,
    reuseAddr: true,
    loopback: true,
    ttl: 255,
  });
  let closed = false;
  let ready = false;

  return new Promise<MdnsSocket>((resolve, reject) => {
    const socket: MdnsSocket = {
      iface,
      send(packet, to) {
        return new Promise((done) => {
          if (closed) {
            done(new Error('socket closed'));
            return;
          }
          const cb = (error: Error | null): void => done(error ?? undefined);
          const rinfo = to ? { address: to.address, port: to.port } : undefined;
          if (packet.type === 'query') mdns.query({ ...packet, questions: packet.questions ?? [] }, rinfo, cb);
          else mdns.respond({ ...packet, answers: packet.answers ?? [] }, rinfo, cb);
        });
      },
      close() {
        if (closed) return Promise.resolve();
        closed = true;
        return new Promise<void>((done) => mdns.destroy(() => done()));
      },
    };

    mdns.on('packet', (packet: Packet, rinfo: RemoteInfo) => {
      if (!closed) handlers.onPacket(packet, rinfo);
    });
    mdns.on('warning', (error: Error) => {
      if (closed) return;
      const code = (error as NodeJS.ErrnoException).code;
      // multicast-dns reports undecodable datagrams as warnings, socket trouble as well.
      const malformed = code === undefined;
      handlers.onWarning(
        new DiscoveryError(
          malformed ? 'ERR_DISCOVERY_MALFORMED_PACKET' : 'ERR_DISCOVERY_SOCKET',
          malformed
            ? `Ignored a malformed mDNS packet on ${iface.name}: ${error.message}`
            : `mDNS socket on ${iface.name}: ${error.message}`,
          { cause: error },
        ),
      );
    });
    mdns.on('error', (error: Error) => {
      if (!ready) {
        closed = true;
        try {
          mdns.destroy();
        } catch {
          // the socket never bound; nothing to release
        }
        reject(
          new DiscoveryError('ERR_DISCOVERY_BIND', `Cannot use UDP port ${MDNS_PORT} on ${iface.name}: ${error.message}`, {
            cause: error,
          }),
        );
        return;
      }
      if (!closed) {
        handlers.onWarning(
          new DiscoveryError('ERR_DISCOVERY_SOCKET', `mDNS socket on ${iface.name}: ${error.message}`, { cause: error }),
        );
      }
    });
    mdns.once('ready', () => {
      ready = true;
      resolve(socket);
    });
  });
}
