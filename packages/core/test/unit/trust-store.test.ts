import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { chmod, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEphemeralIdentity } from '../../src/identity.js';
import { openTrustStore, TRUST_FILE } from '../../src/trust-store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fileshare-trust-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ID_A = 'a'.repeat(32);
const ID_B = 'b'.repeat(32);

describe('trust store', () => {
  it('starts empty, persists trusted ids in a private file and reads them back in a new store', async () => {
    const store = openTrustStore(dir);
    expect(store.list()).toEqual([]);
    const added = store.add({ id: ID_A.toUpperCase(), name: 'desk' });
    expect(added).toMatchObject({ id: ID_A, name: 'desk' });
    expect(Number.isNaN(Date.parse(added.addedAt))).toBe(false);
    store.add({ id: ID_B });

    const path = join(dir, TRUST_FILE);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const onDisk = JSON.parse(await readFile(path, 'utf8')) as { v: number; peers: { id: string; name: string }[] };
    expect(onDisk.v).toBe(1);
    expect(onDisk.peers.map((p) => [p.id, p.name])).toEqual([[ID_A, 'desk'], [ID_B, '']]);
    expect(openTrustStore(dir).list().map((p) => p.id)).toEqual([ID_A, ID_B]);

    expect(store.remove(ID_A)).toBe(true);
    expect(store.remove(ID_A)).toBe(false);
    expect(openTrustStore(dir).list().map((p) => p.id)).toEqual([ID_B]);
  });

  it('creates a missing state folder with mode 0700 whatever the umask, on the first add', async () => {
    const sub = join(dir, 'new', 'state');
    const previous = process.umask(0o000);
    try {
      openTrustStore(sub).add({ id: ID_A });
    } finally {
      process.umask(previous);
    }
    expect((await stat(sub)).mode & 0o777).toBe(0o700);
    expect((await stat(join(sub, TRUST_FILE))).mode & 0o777).toBe(0o600);
  });

  it('stores a proven key only if it is that id\'s, and keeps it on later adds by id', () => {
    const identity = createEphemeralIdentity();
    const store = openTrustStore(dir);
    expect(() => store.add({ id: ID_A, publicKey: identity.rawPublicKey })).toThrow(expect.objectContaining({ code: 'ERR_PEER_ID_INVALID' }));
    store.add({ id: identity.deviceId, publicKey: identity.rawPublicKey, name: 'lab' });
    store.add({ id: identity.deviceId });
    const [entry] = openTrustStore(dir).list();
    expect(Buffer.from(entry!.publicKey!, 'base64url')).toEqual(Buffer.from(identity.rawPublicKey));
    expect(entry!.name).toBe('lab');
  });

  it('refuses a malformed device id with a clear code', () => {
    expect(() => openTrustStore(dir).add({ id: 'desk' })).toThrow(expect.objectContaining({ code: 'ERR_PEER_ID_INVALID' }));
  });

  it('writes atomically: a reader holding the old file still reads all of it, the path then holds all of the new one', async () => {
    const store = openTrustStore(dir);
    store.add({ id: ID_A, name: 'desk' });
    const path = join(dir, TRUST_FILE);
    const before = await readFile(path, 'utf8');
    const inodeBefore = (await stat(path)).ino;
    const reader = await open(path, 'r');
    try {
      store.add({ id: ID_B, name: 'lab' });
      // Replaced by a rename, not rewritten in place: the old inode still holds the old bytes.
      expect(await reader.readFile('utf8')).toBe(before);
    } finally {
      await reader.close();
    }
    expect((await stat(path)).ino).not.toBe(inodeBefore);
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ v: 1, peers: [{ id: ID_A }, { id: ID_B }] });
    expect(await readdir(dir)).toEqual([TRUST_FILE]);
  });

  it('leaves no temporary files after many writes', async () => {
    const store = openTrustStore(dir);
    for (let i = 0; i < 20; i++) store.add({ id: i.toString(16).padStart(32, '0'), name: `peer ${i}` });
    expect(await readdir(dir)).toEqual([TRUST_FILE]);
    expect(openTrustStore(dir).list()).toHaveLength(20);
  });

  it('refuses a trust file others can read or write, naming the chmod that fixes it', async () => {
    openTrustStore(dir).add({ id: ID_A });
    const path = join(dir, TRUST_FILE);
    await chmod(path, 0o644);
    expect(() => openTrustStore(dir)).toThrow(expect.objectContaining({ code: 'ERR_STATE_INSECURE', message: expect.stringContaining(`chmod 600 ${path}`) as unknown }));
    await chmod(path, 0o602);
    expect(() => openTrustStore(dir)).toThrow(expect.objectContaining({ code: 'ERR_STATE_INSECURE' }));
  });

  it('refuses a state folder others can write', async () => {
    await chmod(dir, 0o777);
    expect(() => openTrustStore(dir)).toThrow(expect.objectContaining({ code: 'ERR_STATE_INSECURE', message: expect.stringContaining(`chmod 700 ${dir}`) as unknown }));
  });

  it.each([
    ['not JSON', '{"v":1,"peers":['],
    ['a newer version', '{"v":2,"peers":[]}'],
    ['peers not a list', '{"v":1,"peers":{}}'],
    ['a malformed id', `{"v":1,"peers":[{"id":"${ID_A}"},{"id":"zz"}]}`],
    ['a key of another device', `{"v":1,"peers":[{"id":"${ID_A}","publicKey":"${Buffer.alloc(32, 1).toString('base64url')}"}]}`],
  ])('refuses a corrupt file (%s) with ERR_TRUST_FILE_INVALID naming it, and never overwrites it', async (_what, content) => {
    const path = join(dir, TRUST_FILE);
    await writeFile(path, content, { mode: 0o600 });
    expect(() => openTrustStore(dir)).toThrow(expect.objectContaining({ code: 'ERR_TRUST_FILE_INVALID', message: expect.stringContaining(path) as unknown }));
    expect(await readFile(path, 'utf8')).toBe(content);
  });

  it('reads what a person or another version wrote: unknown fields ignored, missing name and date tolerated', async () => {
    await writeFile(join(dir, TRUST_FILE), JSON.stringify({ v: 1, note: 'x', peers: [{ id: ID_A.toUpperCase(), colour: 'red' }, { id: ID_A }] }), { mode: 0o600 });
    expect(openTrustStore(dir).list()).toEqual([{ id: ID_A, name: '', addedAt: '' }]);
  });

  it('notices changes another process made (refresh), and keeps what a concurrent writer added', () => {
    const node = openTrustStore(dir);
    const cli = openTrustStore(dir);
    cli.add({ id: ID_A });
    expect(node.get(ID_A)).toBeUndefined();
    expect(node.refresh()).toBe(true);
    expect(node.get(ID_A)).toBeDefined();
    expect(node.refresh()).toBe(false);
    node.add({ id: ID_B }); // re-reads before writing: ID_A stays
    expect(openTrustStore(dir).list().map((p) => p.id)).toEqual([ID_A, ID_B]);
  });
});
