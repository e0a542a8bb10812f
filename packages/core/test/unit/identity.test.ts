import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeviceId } from '@fileshare/protocol';
import { loadIdentity } from '../../src/identity.js';
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

describe('host:port parsing', () => {
  it('accepts host:port and [v6]:port, refuses the rest', () => {
    expect(parseHostPort('198.18.0.7:47000')).toEqual({ host: '198.18.0.7', port: 47000 });
    expect(parseHostPort('lab-server.local:1')).toEqual({ host: 'lab-server.local', port: 1 });
    expect(parseHostPort('[fe80::1]:80')).toEqual({ host: 'fe80::1', port: 80 });
    for (const bad of ['host', 'host:0', 'host:65536', ':80', 'a:b:c', 'host:80x']) expect(parseHostPort(bad)).toBeUndefined();
  });
});
