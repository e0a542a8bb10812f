import { WAIT_FOR_PEER_DEFAULT_MS } from './constants.js';
import { CoreError } from './errors.js';
import type { NodeEvent, PeerInfo } from './types.js';

function shortId(id: string): string {
  return id.slice(0, 8);
}

/**
 * Finds a peer by exact id, unique id prefix (>= 4 characters) or case-insensitive name. Throws
 * ERR_PEER_AMBIGUOUS when several match (an impostor announcing a known peer's name makes a name
 * ambiguous rather than redirecting it).
 */
export function findPeerIn(peers: readonly PeerInfo[], idOrName: string): PeerInfo | undefined {
  const wanted = idOrName.trim().toLowerCase();
  const exact = peers.find((p) => p.id === wanted);
  if (exact) return exact;
  const byPrefix = wanted.length >= 4 ? peers.filter((p) => p.id.startsWith(wanted)) : [];
  const byName = peers.filter((p) => p.name.toLowerCase() === wanted);
  const matches = byPrefix.length > 0 ? byPrefix : byName;
  if (matches.length > 1) {
    throw new CoreError(
      'ERR_PEER_AMBIGUOUS',
      `"${idOrName}" matches ${matches.length} peers (${matches.map((p) => `${p.name} ${shortId(p.id)}`).join(', ')}); use the device id.`,
    );
  }
  return matches[0];
}

/** What waitForPeer needs of a node. */
export interface PeerSource {
  findPeer(idOrName: string): PeerInfo | undefined;
  subscribe(listener: (event: NodeEvent) => void): () => void;
}

/** Resolves once the peer named is connected; rejects on abort or timeout (ERR_PEER_NOT_FOUND / ERR_PEER_NOT_CONNECTED). */
export function waitForPeerOn(
  source: PeerSource,
  idOrName: string,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<PeerInfo> {
  const timeoutMs = options.timeoutMs ?? WAIT_FOR_PEER_DEFAULT_MS;
  if (options.signal?.aborted) return Promise.reject(new CoreError('ERR_ABORTED', 'Stopped waiting for the peer.'));
  return new Promise<PeerInfo>((resolvePeer, reject) => {
    const finish = (error: Error | undefined, peer?: PeerInfo): void => {
      clearTimeout(timer);
      unsubscribe();
      options.signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolvePeer(peer!);
    };
    const lookup = (): PeerInfo | Error | undefined => {
      try {
        return source.findPeer(idOrName);
      } catch (error) {
        return error as Error;
      }
    };
    const check = (): void => {
      const found = lookup();
      if (found instanceof Error) finish(found);
      else if (found?.state === 'connected') finish(undefined, found);
    };
    const onAbort = (): void => finish(new CoreError('ERR_ABORTED', 'Stopped waiting for the peer.'));
    const timer = setTimeout(() => {
      const found = lookup();
      if (found instanceof Error) return finish(found);
      const seconds = Math.round(timeoutMs / 1000);
      finish(
        found
          ? new CoreError('ERR_PEER_NOT_CONNECTED', `Found ${found.name} (${shortId(found.id)}) but could not connect within ${seconds} s (state: ${found.state}).`)
          : new CoreError('ERR_PEER_NOT_FOUND', `No peer called "${idOrName}" appeared within ${seconds} s.`),
      );
    }, timeoutMs);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const unsubscribe = source.subscribe(check);
    check();
  });
}
