import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { verify } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deviceIdFromPublicKey, isDeviceId } from '@fileshare/protocol';
import { createEphemeralIdentity, loadIdentity } from '../../src/identity.js';
import { parseHostPort } from '../../src/defaults.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fileshare-identity-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('device identity', () => {
  it('keeps the same device id across restarts, with the key readable only by its owner', async () => {
    const first = await loadIdentity(dir);
    await first.release();
    const second = await loadIdentity(dir);
    await second.release();
    expect(isDeviceId(first.deviceId)).toBe(true);
    expect(second.deviceId).toBe(first.deviceId);
    expect(first.kind).toBe('persistent');
    expect((await stat(join(dir, 'device-key.pem'))).mode & 0o077).toBe(0);
  });

  it('gives a second process on the same state folder a temporary id instead of a duplicate', async () => {
    const holder = await loadIdentity(dir);
    const other = await loadIdentity(dir);
    expect(other.kind).toBe('ephemeral');
    expect(other.deviceId).not.toBe(holder.deviceId);
    await holder.release();
    const after = await loadIdentity(dir);
    expect(after.deviceId).toBe(holder.deviceId);
    await after.release();
  });

  it('takes over a lock left by a process that died', async () => {
    const first = await loadIdentity(dir);
    await first.release();
    await writeFile(join(dir, 'node.lock'), '999999999');
    const again = await loadIdentity(dir);
    expect(again.kind).toBe('persistent');
    expect(again.deviceId).toBe(first.deviceId);
    expect(await readFile(join(dir, 'node.lock'), 'utf8')).toBe(String(process.pid));
    await again.release();
  });

  it('fails with ERR_STATE_DIR when the folder cannot be created', async () => {
    await writeFile(join(dir, 'file'), 'x');
    await expect(loadIdentity(join(dir, 'file', 'sub'))).rejects.toMatchObject({ code: 'ERR_STATE_DIR' });
  });
});

describe('device identity: private state, like ssh', () => {
  it('creates the folder 0700 and the key 0600 whatever the umask, and uses them again without complaint', async () => {
    const state = join(dir, 'state');
    const previous = process.umask(0o000);
    let first;
    try {
      first = await loadIdentity(state);
    } finally {
      process.umask(previous);
    }
    await first.release();
    expect((await stat(state)).mode & 0o777).toBe(0o700);
    expect((await stat(join(state, 'device-key.pem'))).mode & 0o777).toBe(0o600);
    const again = await loadIdentity(state);
    expect(again.deviceId).toBe(first.deviceId);
    await again.release();
  });

  it('refuses a device key readable by others (0644), naming the chmod that fixes it, and leaves it as it is', async () => {
    const first = await loadIdentity(dir);
    await first.release();
    const key = join(dir, 'device-key.pem');
    await chmod(key, 0o644);
    const refused = loadIdentity(dir);
    await expect(refused).rejects.toMatchObject({ code: 'ERR_STATE_INSECURE' });
    await expect(refused).rejects.toThrow(`chmod 600 ${key}`);
    await expect(refused).rejects.toThrow('readable by other users (mode 0644)');
    expect((await stat(key)).mode & 0o777).toBe(0o644);
    // The lock was given back: after the fix the same key is used.
    await chmod(key, 0o600);
    const fixed = await loadIdentity(dir);
    expect(fixed.deviceId).toBe(first.deviceId);
    await fixed.release();
  });

  it('refuses a state folder writable by everyone (0777), before touching the key', async () => {
    await chmod(dir, 0o777);
    const refused = loadIdentity(dir);
    await expect(refused).rejects.toMatchObject({ code: 'ERR_STATE_INSECURE' });
    await expect(refused).rejects.toThrow(`chmod 700 ${dir}`);
    await chmod(dir, 0o700);
  });

  it('quotes a path with spaces in the printed fix', async () => {
    const state = join(dir, 'my state');
    await (await loadIdentity(state)).release();
    await chmod(state, 0o775);
    await expect(loadIdentity(state)).rejects.toThrow(`chmod 700 '${state}'`);
  });

  it('signs with the device key: the raw public key verifies the signature and hashes to the id', async () => {
    const identity = await loadIdentity(dir);
    const data = new TextEncoder().encode('fileshare-proof-v2');
    const signature = identity.sign(data);
    expect(signature).toHaveLength(64);
    expect(identity.rawPublicKey).toHaveLength(32);
    expect(verify(null, data, identity.publicKey, signature)).toBe(true);
    expect(deviceIdFromPublicKey(identity.rawPublicKey)).toBe(identity.deviceId);
    await identity.release();
  });

  it('makes ephemeral identities that sign too, each with its own id, writing nothing', () => {
    const a = createEphemeralIdentity();
    const b = createEphemeralIdentity();
    expect(a.kind).toBe('ephemeral');
    expect(a.deviceId).not.toBe(b.deviceId);
    expect(deviceIdFromPublicKey(a.rawPublicKey)).toBe(a.deviceId);
    const data = new Uint8Array([1, 2, 3]);
    expect(verify(null, data, a.publicKey, a.sign(data))).toBe(true);
  });
});

describe('host:port parsing', () => {
  it('accepts host:port and [v6]:port, refuses the rest', () => {
    expect(parseHostPort('198.18.0.7:47000')).toEqual({ host: '198.18.0.7', port: 47000 });
    expect(parseHostPort('lab-server.local:1')).toEqual({ host: 'lab-server.local', port: 1 });
    expect(parseHostPort('[fe80::1]:80')).toEqual({ host: 'fe80::1', port: 80 });
    for (const bad of ['host', 'host:0', 'host:65536', ':80', 'a:b:c', 'host:80x']) expect(parseHostPort(bad)).toBeUndefined();
  });
});
