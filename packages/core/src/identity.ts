import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deviceIdFromPublicKey, type DeviceId } from '@fileshare/protocol';
import { CoreError } from './errors.js';

const KEY_FILE = 'device-key.pem';
const LOCK_FILE = 'node.lock';

export interface Identity {
  deviceId: DeviceId;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /**
   * `persistent`: the key in the state dir. `ephemeral`: a throw-away key, used when another
   * running node holds the state dir, because two processes announcing one device id would
   * fight over the same peer connections.
   */
  kind: 'persistent' | 'ephemeral';
  /** Releases the state-dir lock (persistent identities only). Idempotent. */
  release(): Promise<void>;
}

function rawPublicKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new Error('Ed25519 public key without x');
  return Buffer.from(jwk.x, 'base64url');
}

function fromPrivateKey(privateKey: KeyObject): Pick<Identity, 'deviceId' | 'privateKey' | 'publicKey'> {
  const publicKey = createPublicKey(privateKey);
  return { deviceId: deviceIdFromPublicKey(rawPublicKey(publicKey)), privateKey, publicKey };
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

/**
 * Loads the device key from `stateDir` (creating it on first use). The device id is derived
 * from the public key, so it stays the same across restarts and cannot be claimed without it.
 */
export async function loadIdentity(stateDir: string): Promise<Identity> {
  try {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw new CoreError('ERR_STATE_DIR', `Cannot create the state folder ${stateDir}.`, { cause });
  }
  const lockPath = join(stateDir, LOCK_FILE);
  if (!(await takeLock(lockPath))) {
    const { privateKey } = generateKeyPairSync('ed25519');
    return { ...fromPrivateKey(privateKey), kind: 'ephemeral', release: () => Promise.resolve() };
  }
  let released = false;
  const release = async (): Promise<void> => {
    if (released) return;
    released = true;
    await rm(lockPath, { force: true });
  };
  try {
    const keyPath = join(stateDir, KEY_FILE);
    let pem: string | undefined;
    try {
      pem = await readFile(keyPath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (pem === undefined) {
      const { privateKey } = generateKeyPairSync('ed25519');
      pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      await writeFile(keyPath, pem, { mode: 0o600, flag: 'wx' });
    }
    return { ...fromPrivateKey(createPrivateKey(pem)), kind: 'persistent', release };
  } catch (cause) {
    await release();
    if (cause instanceof CoreError) throw cause;
    throw new CoreError('ERR_STATE_DIR', `Cannot read or write the device key in ${stateDir}.`, { cause });
  }
}
