import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as edSign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { deviceIdFromPublicKey, rawEd25519PublicKey, type DeviceId } from '@fileshare/protocol';
import { CoreError } from './errors.js';
import { assertPrivateFile, ensurePrivateDir, writePrivateFileAtomic } from './private-state.js';

export const KEY_FILE = 'device-key.pem';
const LOCK_FILE = 'node.lock';

export interface Identity {
  deviceId: DeviceId;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The raw 32-byte Ed25519 public key: what proofs carry and the device id is hashed from. */
  rawPublicKey: Uint8Array;
  /** Ed25519 signature (64 bytes) of `data` by the device key. */
  sign(data: Uint8Array): Uint8Array;
  /**
   * `persistent`: the key in the state dir. `ephemeral`: a throw-away key, used when another
   * running node holds the state dir, because two processes announcing one device id would
   * fight over the same peer connections.
   */
  kind: 'persistent' | 'ephemeral';
  /** Releases the state-dir lock (persistent identities only). Idempotent. */
  release(): Promise<void>;
}

function fromPrivateKey(privateKey: KeyObject): Omit<Identity, 'kind' | 'release'> {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`the device key is ${privateKey.asymmetricKeyType ?? 'not'} an Ed25519 key`);
  const publicKey = createPublicKey(privateKey);
  const rawPublicKey = rawEd25519PublicKey(publicKey);
  return {
    deviceId: deviceIdFromPublicKey(rawPublicKey),
    privateKey,
    publicKey,
    rawPublicKey,
    sign: (data) => new Uint8Array(edSign(null, data, privateKey)),
  };
}

/**
 * A throw-away identity, never written anywhere: for a node that cannot use the state folder's
 * key (another node holds it) and for tests. Its device id changes every time.
 */
export function createEphemeralIdentity(): Identity {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { ...fromPrivateKey(privateKey), kind: 'ephemeral', release: () => Promise.resolve() };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the state-dir lock; false when a live process holds it. Stale locks are taken over. */
async function takeLock(path: string): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) return false;
      await rm(path, { force: true });
    }
  }
  return false;
}

/** Reads the device key, creating it (mode 0600, atomically) on first use. */
function loadOrCreateKey(keyPath: string): KeyObject {
  if (assertPrivateFile(keyPath, 'The device key')) return createPrivateKey(readFileSync(keyPath, 'utf8'));
  const { privateKey } = generateKeyPairSync('ed25519');
  writePrivateFileAtomic(keyPath, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), { exclusive: true });
  return privateKey;
}

/**
 * Loads the device key from `stateDir` (creating both on first use). The device id is derived
 * from the public key, so it stays the same across restarts and cannot be claimed without it.
 * Rejects with ERR_STATE_INSECURE (naming the `chmod` that fixes it) when the folder is not ours
 * or writable by others, or the key is readable or writable by others; with ERR_STATE_DIR when
 * the folder or key cannot be created or read.
 */
export async function loadIdentity(stateDir: string): Promise<Identity> {
  ensurePrivateDir(stateDir);
  const lockPath = join(stateDir, LOCK_FILE);
  let locked: boolean;
  try {
    locked = await takeLock(lockPath);
  } catch (cause) {
    throw new CoreError('ERR_STATE_DIR', `Cannot write in the state folder ${stateDir}.`, { cause });
  }
  if (!locked) return createEphemeralIdentity();
  let released = false;
  const release = async (): Promise<void> => {
    if (released) return;
    released = true;
    await rm(lockPath, { force: true });
  };
  try {
    return { ...fromPrivateKey(loadOrCreateKey(join(stateDir, KEY_FILE))), kind: 'persistent', release };
  } catch (cause) {
    await release();
    if (cause instanceof CoreError) throw cause;
    throw new CoreError('ERR_STATE_DIR', `Cannot read or write the device key in ${stateDir}.`, { cause });
  }
}
