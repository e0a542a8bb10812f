import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { foldName, TrustBook } from '../../src/trust-book.js';
import { openTrustStore } from '../../src/trust-store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fileshare-trustbook-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const DESK = 'd'.repeat(32);
const LAB = 'e'.repeat(32);
const MALLORY = 'f'.repeat(32);

describe('look-alike names', () => {
  it('compares names as a person reads them: case, fullwidth forms, invisible and bidi characters do not count', () => {
    for (const variant of ['Desk', 'DESK', 'ｄｅｓｋ', 'de\u200bsk', '\u202edesk', '  desk  ', 'desk\u0007']) expect(foldName(variant)).toBe('desk');
    expect(foldName('desk 2')).not.toBe('desk');
  });

  it('flags another device using a trusted peer\'s name (stored or current), never the trusted peer itself', () => {
    const store = openTrustStore(dir);
    store.add({ id: DESK, name: 'desk' });
    const current = new Map([[LAB, 'lab-renamed']]);
    const book = new TrustBook(store, [LAB], (id) => current.get(id));
    expect(book.lookalikeOf(MALLORY, ['DESK'])).toBe(DESK);
    expect(book.lookalikeOf(MALLORY, ['other', 'ｄｅｓｋ'])).toBe(DESK);
    expect(book.lookalikeOf(MALLORY, ['Lab-Renamed'])).toBe(LAB);
    expect(book.lookalikeOf(DESK, ['desk'])).toBeUndefined();
    expect(book.lookalikeOf(MALLORY, ['mallory', ''])).toBeUndefined();
  });

  it('lists file entries then session ones, and forgets in both on untrust', () => {
    const store = openTrustStore(dir);
    store.add({ id: DESK, name: 'desk' });
    const book = new TrustBook(store, [LAB], () => undefined);
    expect(book.list().map((p) => [p.id, p.session ?? false])).toEqual([[DESK, false], [LAB, true]]);
    expect(book.isTrusted(LAB)).toBe(true);
    expect(book.untrust(DESK)).toBe(true);
    expect(book.untrust(LAB)).toBe(true);
    expect(book.untrust(LAB)).toBe(false);
    expect(openTrustStore(dir).list()).toEqual([]);
  });
});
