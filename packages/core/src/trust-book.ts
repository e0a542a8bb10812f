import { sanitizeDeviceName } from '@fileshare/protocol';
import type { TrustStore } from './trust-store.js';
import type { TrustedPeer } from './types.js';

/**
 * A name as a person compares it: sanitized (controls, zero-width and bidi characters gone,
 * spaces collapsed), compatibility-normalized (a fullwidth `Ｄｅｓｋ` is `Desk`) and case-folded.
 */
export function foldName(name: string): string {
  return sanitizeDeviceName(name.normalize('NFKC')).normalize('NFKC').toLowerCase();
}

/**
 * Whom this node trusts: the trust file (persistent) plus ids trusted for this session only
 * (`FileshareNodeInit.trust`, `trustPeerForSession`). Knows the names trusted peers go by, to
 * spot look-alikes: another device using a trusted peer's name.
 */
export class TrustBook {
  private readonly session = new Map<string, TrustedPeer>();

  /**
   * `nameOf`: the name a peer currently goes by on the network (undefined if unknown), so a
   * trusted peer that renamed itself is still protected under its new name.
   */
  constructor(
    private readonly store: TrustStore,
    sessionIds: readonly string[],
    private readonly nameOf: (id: string) => string | undefined,
  ) {
    const now = new Date().toISOString();
    for (const id of sessionIds) this.session.set(id, { id, name: '', addedAt: now, session: true });
  }

  /** Picks up changes another process (the agent's `trust` verbs) made to the file. Throws ERR_TRUST_FILE_INVALID / ERR_STATE_INSECURE; the last good list stays in use. */
  refresh(): void {
    this.store.refresh();
  }

  isTrusted(id: string): boolean {
    return this.session.has(id) || this.store.get(id) !== undefined;
  }

  /** The file's entry, if persisted. */
  persisted(id: string): TrustedPeer | undefined {
    return this.store.get(id);
  }

  trustForSession(id: string): void {
    if (!this.session.has(id)) this.session.set(id, { id, name: '', addedAt: new Date().toISOString(), session: true });
  }

  /** Writes the peer to the trust file (and keeps trusting it for the session). */
  persist(peer: { id: string; name: string; publicKey?: Uint8Array }): TrustedPeer {
    this.trustForSession(peer.id);
    return this.store.add(peer);
  }

  /** Forgets the peer in the file and for the session; false when it was trusted in neither. */
  untrust(id: string): boolean {
    const inSession = this.session.delete(id);
    const inFile = this.store.get(id) !== undefined ? this.store.remove(id) : false;
    return inSession || inFile;
  }

  /** File entries first, then session-only ones (with `session: true`). */
  list(): TrustedPeer[] {
    const persisted = this.store.list();
    const known = new Set(persisted.map((p) => p.id));
    const sessionOnly = [...this.session.values()]
      .filter((p) => !known.has(p.id))
      .map((p) => ({ ...p, name: this.nameOf(p.id) ?? p.name }));
    return [...persisted, ...sessionOnly];
  }

  /**
   * The id of a trusted peer whose name equals (folded) one of `names`, when `id` is not itself
   * trusted; undefined otherwise. Empty names never match.
   */
  lookalikeOf(id: string, names: readonly string[]): string | undefined {
    if (this.isTrusted(id)) return undefined;
    const persisted = this.store.list();
    if (persisted.length === 0 && this.session.size === 0) return undefined;
    const wanted = new Set(names.map(foldName).filter((n) => n !== ''));
    if (wanted.size === 0) return undefined;
    const trusted = [...persisted.map((p) => ({ id: p.id, name: p.name })), ...[...this.session.values()].map((p) => ({ id: p.id, name: '' }))];
    for (const peer of trusted) {
      if (peer.id === id) continue;
      const current = this.nameOf(peer.id);
      if (wanted.has(foldName(peer.name)) || (current !== undefined && wanted.has(foldName(current)))) return peer.id;
    }
    return undefined;
  }
}
