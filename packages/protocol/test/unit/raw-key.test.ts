import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { rawEd25519PublicKey } from '../../src/index.js';

const run = promisify(execFile);
const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

describe('rawEd25519PublicKey', () => {
  it('is the raw public key of RFC 8032 test 1, from the private or the public key', () => {
    const seed = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
    const privateKey = createPrivateKey({ key: Buffer.from(`302e020100300506032b657004220420${seed}`, 'hex'), format: 'der', type: 'pkcs8' });
    const expected = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
    expect(Buffer.from(rawEd25519PublicKey(privateKey)).toString('hex')).toBe(expected);
    expect(Buffer.from(rawEd25519PublicKey(createPublicKey(privateKey))).toString('hex')).toBe(expected);
  });

  it('refuses a key of another type', () => {
    expect(() => rawEd25519PublicKey(generateKeyPairSync('x25519').publicKey)).toThrow(/not an Ed25519 public key \(x25519\)/);
    expect(() => rawEd25519PublicKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey)).toThrow(/not an Ed25519/);
  });

  // Node 20 deadlocks when a JWK export of a fresh key meets the garbage collection of its
  // generateKeyPairSync job; with the JWK export this loop hung within its first 1 000 keys
  // every time. In a child process, so a regression hangs that process, not the test runner.
  it('never hangs on thousands of fresh keys (the JWK-export deadlock of Node 20)', async () => {
    const script = `
      import { generateKeyPairSync } from 'node:crypto';
      import { rawEd25519PublicKey } from ${JSON.stringify(DIST)};
      for (let i = 0; i < 5000; i++) rawEd25519PublicKey(generateKeyPairSync('ed25519').privateKey);
      process.stdout.write('done');`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { timeout: 30_000 });
    expect(stdout).toBe('done');
  }, 40_000);
});
