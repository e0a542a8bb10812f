// Offers and answers must prove the sender's key before the peer manager acts on them.
import { describe, expect, it, jest } from '@jest/globals';
import type { SignalMessage } from '@fileshare/protocol';
import { CONTROL_CHANNEL_LABEL, createPeerManager } from '../../src/index.js';
import { FakeDriver, fakeSdp, flush, randomFingerprint } from './fake-driver.js';
import { signAs, sortedKeys, testKey } from '../support/identities.js';
import { type Rig, useFakeTimerRigs } from '../support/rig.js';

const keys = sortedKeys(5);
const LOWER = keys[0]!;
const LOWER_2 = keys[1]!;
const LOCAL = keys[2]!;
const HIGHER = keys[3]!;
const HIGHER_2 = keys[4]!;

const rigFor = useFakeTimerRigs();
const rig = (): Rig => rigFor(LOCAL);

const offer = (peerId: string, data: string): SignalMessage => ({ kind: 'offer', peer_id: peerId, data });
const answer = (peerId: string, data: string): SignalMessage => ({ kind: 'answer', peer_id: peerId, data });
const swapFingerprint = (sdp: string): string => sdp.replace(/^a=fingerprint:sha-256 .*$/m, `a=fingerprint:sha-256 ${randomFingerprint()}`);

describe('the identity we prove', () => {
  it('must be a 32-byte key whose id is localId', () => {
    const driver = new FakeDriver();
    const sendSignal = (): Promise<void> => Promise.resolve();
    expect(() => createPeerManager({ localId: LOCAL.id, identity: HIGHER.identity, driver, sendSignal })).toThrow(TypeError);
    expect(() =>
      createPeerManager({ localId: LOCAL.id, identity: { publicKey: new Uint8Array(31), sign: LOCAL.identity.sign }, driver, sendSignal }),
    ).toThrow(TypeError);
    expect(() => createPeerManager({ localId: LOCAL.id, driver, sendSignal } as never)).toThrow(TypeError);
    expect(driver.connections).toHaveLength(0);
  });
});

describe('offers are verified before any connection exists', () => {
  const cases: [string, () => string, string][] = [
    ['no proof', () => fakeSdp('offer'), 'ERR_PROOF_MISSING'],
    ['a proof that is not key.signature', () => signAs(LOWER, LOCAL.id, 'offer', fakeSdp('offer')).replace(/(a=x-fileshare-proof:[^.]+)\..*/, '$1.AAAA'), 'ERR_PROOF_MALFORMED'],
    ['the key of another id', () => signAs(LOWER_2, LOCAL.id, 'offer', fakeSdp('offer')), 'ERR_PROOF_KEY_MISMATCH'],
    ['the right key over a fingerprint swapped in transit', () => swapFingerprint(signAs(LOWER, LOCAL.id, 'offer', fakeSdp('offer'))), 'ERR_PROOF_INVALID'],
    ['a ufrag swapped in transit', () => signAs(LOWER, LOCAL.id, 'offer', fakeSdp('offer')).replace(/a=ice-ufrag:\S+/, 'a=ice-ufrag:abcdefgh'), 'ERR_PROOF_INVALID'],
    ['a proof for another receiver', () => signAs(LOWER, HIGHER.id, 'offer', fakeSdp('offer')), 'ERR_PROOF_INVALID'],
    ['an answer’s proof presented as an offer', () => signAs(LOWER, LOCAL.id, 'answer', fakeSdp('offer'), fakeSdp('offer')), 'ERR_PROOF_INVALID'],
  ];

  it.each(cases)('%s: refused, no peer connection, nothing sent', (_name, data, code) => {
    const r = rig();
    r.manager.handleSignal(offer(LOWER.id, data()));
    expect(r.ignored).toEqual([expect.objectContaining({ peerId: LOWER.id, kind: 'offer', code })]);
    expect(r.driver.connections).toHaveLength(0);
    expect(r.manager.state(LOWER.id)).toBeUndefined();
    expect(r.sent).toEqual([]);
    expect(r.warnings).toEqual([{ message: 'ignored a signaling message', fields: expect.objectContaining({ code, peerId: LOWER.id }) }]);
  });

  it('reflection: our own offer sent back to us as an offer of the peer is refused', () => {
    const r = rig();
    r.manager.peerSeen(HIGHER.id);
    const ours = r.offerTo(HIGHER.id);
    r.manager.handleSignal(offer(LOWER.id, ours));
    expect(r.ignored.map((e) => e.code)).toEqual(['ERR_PROOF_KEY_MISMATCH']);
    expect(r.driver.connections).toHaveLength(1); // only our own offer's
  });

  it('an offer already answered is refused as replayed, also after its connection ended', async () => {
    const r = rig();
    const genuine = signAs(LOWER, LOCAL.id, 'offer', fakeSdp('offer'));
    r.manager.handleSignal(offer(LOWER.id, genuine));
    expect(r.manager.state(LOWER.id)).toBe('initiating');
    r.manager.handleSignal(offer(LOWER.id, genuine));
    r.driver.last.state('ice', 'failed');
    expect(r.manager.state(LOWER.id)).toBe('not-connected');
    r.manager.handleSignal(offer(LOWER.id, genuine.replaceAll('\r\n', '\n'))); // same ufrag+fingerprint, other bytes
    expect(r.ignored.map((e) => e.code)).toEqual(['ERR_PROOF_REPLAYED', 'ERR_PROOF_REPLAYED']);
    expect(r.driver.connections).toHaveLength(1);
    expect(r.sent.filter((s) => s.message.kind === 'answer')).toHaveLength(1);
    // A fresh offer (new ufrag) from the same peer is answered.
    r.manager.handleSignal(offer(LOWER.id, signAs(LOWER, LOCAL.id, 'offer', fakeSdp('offer'))));
    expect(r.manager.state(LOWER.id)).toBe('initiating');
    expect(r.driver.connections).toHaveLength(2);
    await flush();
  });

  it('a valid offer is answered with our proof, and the connection reports the proven key', () => {
    const r = rig();
    r.manager.handleSignal(offer(LOWER.id, signAs(LOWER, LOCAL.id, 'offer', fakeSdp('offer'))));
    expect(r.manager.publicKey(LOWER.id)).toBeUndefined(); // not before it is connected
    r.driver.last.remoteChannel(CONTROL_CHANNEL_LABEL);
    expect(r.connected).toEqual([expect.objectContaining({ peerId: LOWER.id, publicKey: LOWER.publicKey })]);
    expect(r.manager.publicKey(LOWER.id)).toEqual(LOWER.publicKey);
    r.driver.last.state('ice', 'failed');
    expect(r.manager.publicKey(LOWER.id)).toBeUndefined();
  });
});

describe('answers are verified against the offer they answer', () => {
  const cases: [string, (ourOffer: string) => SignalMessage, string][] = [
    ['no proof', () => answer(HIGHER.id, fakeSdp('answer')), 'ERR_PROOF_MISSING'],
    ['the key of another id', (o) => answer(HIGHER.id, signAs(HIGHER_2, LOCAL.id, 'answer', fakeSdp('answer'), o)), 'ERR_PROOF_KEY_MISMATCH'],
    ['a proof binding another offer', () => answer(HIGHER.id, signAs(HIGHER, LOCAL.id, 'answer', fakeSdp('answer'), fakeSdp('offer'))), 'ERR_PROOF_INVALID'],
    ['a fingerprint swapped in transit', (o) => answer(HIGHER.id, swapFingerprint(signAs(HIGHER, LOCAL.id, 'answer', fakeSdp('answer'), o))), 'ERR_PROOF_INVALID'],
    ['a proof for another receiver', (o) => answer(HIGHER.id, signAs(HIGHER, testKey().id, 'answer', fakeSdp('answer'), o)), 'ERR_PROOF_INVALID'],
    ['an offer’s proof presented as an answer', () => answer(HIGHER.id, signAs(HIGHER, LOCAL.id, 'offer', fakeSdp('answer'))), 'ERR_PROOF_INVALID'],
    ['reflection: our own offer sent back as the answer', (o) => answer(HIGHER.id, o), 'ERR_PROOF_KEY_MISMATCH'],
  ];

  it.each(cases)('%s: refused, the offer keeps waiting, then a valid answer connects', async (_name, make, code) => {
    const r = rig();
    r.manager.peerSeen(HIGHER.id);
    const ours = r.offerTo(HIGHER.id);
    r.manager.handleSignal(make(ours));
    expect(r.ignored).toEqual([expect.objectContaining({ peerId: HIGHER.id, kind: 'answer', code })]);
    expect(r.driver.last.remoteDescription).toBeUndefined();
    expect(r.manager.state(HIGHER.id)).toBe('initiated');
    r.manager.handleSignal(answer(HIGHER.id, signAs(HIGHER, LOCAL.id, 'answer', fakeSdp('answer'), ours)));
    r.driver.last.control!.open();
    expect(r.connected).toEqual([expect.objectContaining({ peerId: HIGHER.id, publicKey: HIGHER.publicKey })]);
    await flush();
  });

  it('an answer to an earlier (withdrawn) offer of the round is refused', async () => {
    const r = rig();
    r.manager.peerSeen(HIGHER.id);
    const first = r.offerTo(HIGHER.id);
    await jest.advanceTimersByTimeAsync(11_000); // second offer out
    expect(r.offersSent()).toBe(2);
    r.manager.handleSignal(answer(HIGHER.id, signAs(HIGHER, LOCAL.id, 'answer', fakeSdp('answer'), first)));
    expect(r.ignored.map((e) => e.code)).toEqual(['ERR_PROOF_INVALID']);
    expect(r.manager.state(HIGHER.id)).toBe('initiated');
  });
});
