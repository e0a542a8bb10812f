import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { deviceIdFromPublicKey, isDeviceId, sanitizeDeviceName } from '@fileshare/protocol';
import { CoreError } from './errors.js';
import { assertPrivateDir, assertPrivateFile, ensurePrivateDir, writePrivateFileAtomic } from './private-state.js';
import type { TrustedPeer } from './types.js';

export const TRUST_FILE = 'trusted-peers.json';
const TRUST_FILE_VERSION = 1;
/** A trust file is a few hundred bytes per peer; anything this large is not one of ours. */
const MAX_TRUST_FILE_BYTES = 1024 * 1024;

/**
 * The trusted peers in `<stateDir>/trusted-peers.json`:
 * `{ "v": 1, "peers": [{ "id", "name", "publicKey"?, "addedAt" }] }`, mode 0600.
 *
 * Synchronous on purpose: the file is small and only written when a person decides, and the
 * agent's `trust` verbs and a running node may both change it, so each change re-reads the file
 * just before writing it (atomically: temporary file, fsync, rename).
 */
export interface TrustStore {
  /** Absolute path of the trust file. */
  readonly path: string;
  /** The trusted peers, oldest first (as read when opened or last refreshed). */
  list(): TrustedPeer[];
  get(id: string): TrustedPeer | undefined;
  /**
   * Trusts a device id (kept if already trusted; a given name or key fills in or updates the
   * entry). `publicKey`: the raw 32-byte key, which must hash to `id`. Returns the stored entry.
   * Throws ERR_PEER_ID_INVALID for a malformed id.
   */
  add(peer: { id: string; name?: string; publicKey?: Uint8Array }): TrustedPeer;
  /** Stops trusting a device id; false when it was not trusted. */
  remove(id: string): boolean;
  /** Re-reads the file if it changed on disk since we last read or wrote it; true when it did. */
  refresh(): boolean;
}

/**
 * Opens the trust file of a state folder (which need not exist yet: it is created, mode 0700, on
 * the first `add`). Throws ERR_STATE_INSECURE when the folder or file is exposed to other users,
 * ERR_TRUST_FILE_INVALID when the file cannot be understood (it is never replaced then).
 */
export function openTrustStore(stateDir: string): TrustStore {
  return new FileTrustStore(stateDir);
}

function normalizeId(id: string): string {
  const normalized = id.trim().toLowerCase();
  if (!isDeviceId(normalized)) {
    throw new CoreError('ERR_PEER_ID_INVALID', `"${id}" is not a device id (32 hexadecimal characters, as shown by fileshare).`);
  }
  return normalized;
}

class FileTrustStore implements TrustStore {
  readonly path: string;
  private peers: TrustedPeer[] = [];
  private stamp = '';

  constructor(private readonly stateDir: string) {
    this.path = join(stateDir, TRUST_FILE);
    assertPrivateDir(stateDir);
    this.load();
  }

  list(): TrustedPeer[] {
    return this.peers.map((p) => ({ ...p }));
  }

  get(id: string): TrustedPeer | undefined {
    const found = this.peers.find((p) => p.id === id.toLowerCase());
    return found ? { ...found } : undefined;
  }

  add(peer: { id: string; name?: string; publicKey?: Uint8Array }): TrustedPeer {
    const id = normalizeId(peer.id);
    if (peer.publicKey !== undefined && deviceIdFromPublicKey(peer.publicKey) !== id) {
      throw new CoreError('ERR_PEER_ID_INVALID', `The public key given for ${id} belongs to another device id.`);
    }
    ensurePrivateDir(this.stateDir);
    this.load();
    const name = peer.name !== undefined ? sanitizeDeviceName(peer.name) : undefined;
    const publicKey = peer.publicKey !== undefined ? Buffer.from(peer.publicKey).toString('base64url') : undefined;
    let entry = this.peers.find((p) => p.id === id);
    if (entry) {
      const updated = { ...entry, ...(name ? { name } : {}), ...(publicKey ? { publicKey } : {}) };
      if (updated.name === entry.name && updated.publicKey === entry.publicKey) return { ...entry };
      this.peers = this.peers.map((p) => (p.id === id ? updated : p));
      entry = updated;
    } else {
      entry = { id, name: name ?? '', ...(publicKey ? { publicKey } : {}), addedAt: new Date().toISOString() };
      this.peers = [...this.peers, entry];
    }
    this.save();
    return { ...entry };
  }

  remove(id: string): boolean {
    const wanted = id.trim().toLowerCase();
    this.load();
    if (!this.peers.some((p) => p.id === wanted)) return false;
    this.peers = this.peers.filter((p) => p.id !== wanted);
    this.save();
    return true;
  }

  refresh(): boolean {
    if (this.currentStamp() === this.stamp) return false;
    this.load();
    return true;
  }

  private currentStamp(): string {
    try {
      const s = statSync(this.path);
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      return 'absent';
    }
  }

  private load(): void {
    const stamp = this.currentStamp();
    if (!assertPrivateFile(this.path, 'The trust file')) {
      this.peers = [];
      this.stamp = stamp;
      return;
    }
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (cause) {
      throw new CoreError('ERR_STATE_DIR', `Cannot read the trust file ${this.path}.`, { cause });
    }
    this.peers = parseTrustFile(text, this.path);
    this.stamp = stamp;
  }

  private save(): void {
    const body = { v: TRUST_FILE_VERSION, peers: this.peers };
    try {
      writePrivateFileAtomic(this.path, `${JSON.stringify(body, null, 2)}\n`);
    } catch (cause) {
      throw new CoreError('ERR_STATE_DIR', `Cannot write the trust file ${this.path}.`, { cause });
    }
    this.stamp = this.currentStamp();
  }
}

function invalid(path: string, why: string): CoreError {
  return new CoreError(
    'ERR_TRUST_FILE_INVALID',
    `The trust file ${path} cannot be read: ${why}. It was left as it is; fix or remove it (removing it forgets every trusted peer).`,
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads what a person or another version may have written: unknown fields are ignored, a missing
 * name or date is tolerated, but anything that could change whom we trust (a malformed id, a key
 * that is not that id's, a version we do not know) makes the whole file invalid rather than
 * silently dropping an entry.
 */
export function parseTrustFile(text: string, path: string): TrustedPeer[] {
  if (Buffer.byteLength(text, 'utf8') > MAX_TRUST_FILE_BYTES) throw invalid(path, `it is larger than ${MAX_TRUST_FILE_BYTES} bytes`);
  if (text.trim() === '') return [];
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw invalid(path, 'it is not valid JSON');
  }
  if (!isRecord(data)) throw invalid(path, 'it is not a JSON object');
  if (data.v !== TRUST_FILE_VERSION) {
    throw invalid(path, typeof data.v === 'number' && data.v > TRUST_FILE_VERSION ? `it was written by a newer fileshare (version ${data.v})` : 'its "v" is not 1');
  }
  if (!Array.isArray(data.peers)) throw invalid(path, '"peers" is not a list');
  const peers: TrustedPeer[] = [];
  data.peers.forEach((raw: unknown, index) => {
    if (!isRecord(raw)) throw invalid(path, `entry ${index + 1} is not an object`);
    const id = typeof raw.id === 'string' ? raw.id.toLowerCase() : undefined;
    if (!isDeviceId(id)) throw invalid(path, `entry ${index + 1} has no valid device id`);
    if (peers.some((p) => p.id === id)) return; // listed twice: once is enough
    let publicKey: string | undefined;
    if (raw.publicKey !== undefined) {
      const key = typeof raw.publicKey === 'string' ? Buffer.from(raw.publicKey, 'base64url') : Buffer.alloc(0);
      if (key.length !== 32 || deviceIdFromPublicKey(key) !== id) throw invalid(path, `the public key of entry ${index + 1} (${id}) is not that device's`);
      publicKey = key.toString('base64url');
    }
    peers.push({
      id,
      name: typeof raw.name === 'string' ? sanitizeDeviceName(raw.name) : '',
      ...(publicKey !== undefined ? { publicKey } : {}),
      addedAt: typeof raw.addedAt === 'string' ? raw.addedAt : '',
    });
  });
  return peers;
}
