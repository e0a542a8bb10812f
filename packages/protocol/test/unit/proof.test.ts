import { describe, expect, it } from '@jest/globals';
import { type KeyObject, createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import fc from 'fast-check';
import {
  PROTOCOL_VERSION,
  ProofError,
  SIGNAL_HELLO_VERSION,
  addProof,
  deviceIdFromPublicKey,
  parseSdpIdentity,
  proofTranscript,
  verificationCode,
  verifyProof,
} from '../../src/index.js';

interface Key {
  raw: Uint8Array;
  id: string;
  sign: (data: Uint8Array) => Uint8Array;
}

function fromPrivate(priv: KeyObject): Key {
  const x = createPublicKey(priv).export({ format: 'jwk' }).x;
  const raw = new Uint8Array(Buffer.from(String(x), 'base64url'));
  return { raw, id: deviceIdFromPublicKey(raw), sign: (d) => new Uint8Array(sign(null, d, priv)) };
}

/** Ed25519 from a 32-byte seed (PKCS#8 DER prefix + seed): the worked example of docs/PROTOCOL.md. */
function seeded(first: number): Key {
  const seed = Buffer.from(Array.from({ length: 32 }, (_, i) => first + i));
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  return fromPrivate(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
}

const randomKey = (): Key => fromPrivate(generateKeyPairSync('ed25519').privateKey);

// The worked example: A (seed 20..3f) offers to B (seed 00..1f); A's id is the lower one.
const A = seeded(0x20);
const B = seeded(0x00);
const FP_OFFER = 'sha-256 8A:23:49:30:74:FC:8E:B9:6A:BA:23:6A:64:CE:68:3F:15:1B:E2:D6:32:34:37:A8:F3:A9:B1:2A:3F:BD:32:12';
const FP_ANSWER = 'sha-256 E6:85:F6:8E:83:E0:A0:B4:2E:A3:4F:C6:3B:97:06:FB:81:33:DF:C7:7A:C4:D7:07:1F:28:67:77:46:08:39:4A';

function sdp(o: string, fingerprint: string, setup: string, ufrag: string, pwd: string): string {
  return [
    'v=0',
    `o=rtc ${o} 0 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'a=msid-semantic:WMS *',
    'a=ice-options:ice2,trickle',
    `a=fingerprint:${fingerprint}`,
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    'a=mid:0',
    'a=sendrecv',
    'a=sctp-port:5000',
    'a=max-message-size:262144',
    `a=setup:${setup}`,
    `a=ice-ufrag:${ufrag}`,
    `a=ice-pwd:${pwd}`,
    '',
  ].join('\r\n');
}

const OFFER = sdp('2890844526', FP_OFFER, 'actpass', 'mG4J', 'js0X8H6cNISTJ+JsbmmNId');
const ANSWER = sdp('3724511882', FP_ANSWER, 'active', 'bBm2', 'Qw7uZ1cV0kR3pLmN8yTxE2');

const signOffer = (from: Key, to: string, text = OFFER): string =>
  addProof(text, { kind: 'offer', senderId: from.id, receiverId: to, publicKey: from.raw, sign: from.sign });
const signAnswer = (from: Key, to: string, offer: string, text = ANSWER): string =>
  addProof(text, { kind: 'answer', senderId: from.id, receiverId: to, offerSdp: offer, publicKey: from.raw, sign: from.sign });

const codeOf = (result: { ok: boolean; error?: ProofError }): string => (result.ok ? 'ok' : (result.error?.code ?? '?'));

describe('protocol version', () => {
  it('is 2, in TXT v and in the hello', () => {
    expect(PROTOCOL_VERSION).toBe(2);
    expect(SIGNAL_HELLO_VERSION).toBe(2);
  });
});

describe('worked example of docs/PROTOCOL.md', () => {
  it('has the documented ids, transcript bytes and attribute', () => {
    expect(A.id).toBe('24f6ed6acbfe1009c030d7ca567c33ca');
    expect(B.id).toBe('56475aa75463474c0285df5dbf2bcab7');
    const transcript = proofTranscript(OFFER, { kind: 'offer', senderId: A.id, receiverId: B.id });
    if (!transcript.ok) throw transcript.error;
    expect(new TextDecoder().decode(transcript.value)).toBe(
      ['fileshare-proof-v2', 'offer', A.id, B.id, FP_OFFER, 'mG4J'].join('\n'),
    );
    expect(transcript.value.byteLength).toBe(199);
    const signed = signOffer(A, B.id);
    expect(signed.split('\r\n')[8]).toBe(
      'a=x-fileshare-proof:Kay64UG8yvCyLhqU000LxzYeUm0L_hLIl5S8kyKWbdc.cuZbypKmtEu8oUzRtPQp_hjPtA7z3mzfJ4mGFH3gF1UHSli-CAX8ZYYc9J1VAZlv5ZWNggKxvijbPr_QBVzPCg',
    );
    expect(signed.split('\r\n')[9]).toMatch(/^m=application/); // before the first m= line
    const answer = signAnswer(B, A.id, signed);
    expect(answer).toContain(
      'a=x-fileshare-proof:A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg.Z-mgRV8wEIhNzepjp-m1Bg_ZoYlN5i7hybxU57V0xW0q30FYXzB5Q5QkpXsfGKkYg5LBcOfxOo_ILoP5bEAjCQ',
    );
    const answerTranscript = proofTranscript(ANSWER, { kind: 'answer', senderId: B.id, receiverId: A.id, offerSdp: signed });
    if (!answerTranscript.ok) throw answerTranscript.error;
    expect(new TextDecoder().decode(answerTranscript.value)).toBe(
      ['fileshare-proof-v2', 'answer', B.id, A.id, FP_ANSWER, 'bBm2', FP_OFFER, 'mG4J'].join('\n'),
    );
    expect(verificationCode(A.raw, B.raw)).toBe('60188 08827 80056 74119 96209 90864');
  });
});

describe('addProof / verifyProof', () => {
  it('an offer and its answer verify, and yield the sender key, fingerprints and ufrag', () => {
    const offer = signOffer(A, B.id);
    const checked = verifyProof(offer, { kind: 'offer', senderId: A.id, receiverId: B.id });
    expect(checked).toEqual({ ok: true, value: { publicKey: A.raw, fingerprints: [FP_OFFER], ufrag: 'mG4J' } });
    const answer = signAnswer(B, A.id, offer);
    const checkedAnswer = verifyProof(answer, { kind: 'answer', senderId: B.id, receiverId: A.id, offerSdp: offer });
    expect(checkedAnswer.ok && checkedAnswer.value.publicKey).toEqual(B.raw);
  });

  it('works with LF line endings and without an m= line', () => {
    const lf = OFFER.replaceAll('\r\n', '\n');
    expect(verifyProof(signOffer(A, B.id, lf), { kind: 'offer', senderId: A.id, receiverId: B.id }).ok).toBe(true);
    const noMedia = `a=fingerprint:${FP_OFFER}\na=ice-ufrag:abcd`;
    const signed = signOffer(A, B.id, noMedia);
    expect(signed.endsWith('\n')).toBe(true);
    expect(verifyProof(signed, { kind: 'offer', senderId: A.id, receiverId: B.id }).ok).toBe(true);
  });

  it('fingerprints are normalised (hash lowercase, hex uppercase), deduplicated and sorted', () => {
    const two = OFFER.replace(`a=fingerprint:${FP_OFFER}`, `a=fingerprint:SHA-256 ${FP_ANSWER.slice(8).toLowerCase()}\r\na=fingerprint:${FP_OFFER}`).replace(
      'a=mid:0',
      `a=mid:0\r\na=fingerprint:${FP_OFFER}`,
    );
    const parsed = parseSdpIdentity(two);
    expect(parsed.ok && parsed.value.fingerprints).toEqual([FP_OFFER, FP_ANSWER]);
  });

  it('refuses with the documented codes', () => {
    const offer = signOffer(A, B.id);
    const asOffer = { kind: 'offer' as const, senderId: A.id, receiverId: B.id };
    const proofLine = offer.split('\r\n')[8]!;
    const cases: [string, string, typeof asOffer & { offerSdp?: string }][] = [
      ['no proof', OFFER, asOffer],
      ['proof twice', offer.replace('a=mid:0', `a=mid:0\r\n${proofLine}`), asOffer],
      ['proof in another spelling too', offer.replace('a=mid:0', `a=mid:0\r\nA=X-Fileshare-Proof:x`), asOffer],
      ['truncated signature', offer.replace(proofLine, proofLine.slice(0, -2)), asOffer],
      ['padding', offer.replace(proofLine, `${proofLine}==`), asOffer],
      ['non-canonical key bits', offer.replace(proofLine, proofLine.replace('bdc.', 'bdd.')), asOffer],
      ['no fingerprint', offer.replace(/^a=fingerprint:.*\r\n/m, ''), asOffer],
      ['two ufrags', offer.replace('a=mid:0', 'a=mid:0\r\na=ice-ufrag:zzzz'), asOffer],
      ['sloppy fingerprint line', offer.replace('a=mid:0', `a=mid:0\r\n a=fingerprint:${FP_ANSWER}`), asOffer],
      ['another id claims the key', offer, { ...asOffer, senderId: B.id }],
      ['bound to another receiver', offer, { ...asOffer, receiverId: randomKey().id }],
      ['fingerprint swapped', offer.replace(FP_OFFER, FP_ANSWER), asOffer],
      ['ufrag swapped', offer.replace('a=ice-ufrag:mG4J', 'a=ice-ufrag:mG4K'), asOffer],
      ['offer presented as an answer', offer, { kind: 'answer' as never, senderId: A.id, receiverId: B.id, offerSdp: offer }],
      ['answer without its offer', signAnswer(B, A.id, offer), { kind: 'answer' as never, senderId: B.id, receiverId: A.id }],
      ['answer to another offer', signAnswer(B, A.id, offer), { kind: 'answer' as never, senderId: B.id, receiverId: A.id, offerSdp: signOffer(A, B.id, OFFER.replace('mG4J', 'other1')) }],
    ];
    expect(cases.map(([name, text, binding]) => [name, codeOf(verifyProof(text, binding))])).toEqual([
      ['no proof', 'ERR_PROOF_MISSING'],
      ['proof twice', 'ERR_PROOF_MALFORMED'],
      ['proof in another spelling too', 'ERR_PROOF_MALFORMED'],
      ['truncated signature', 'ERR_PROOF_MALFORMED'],
      ['padding', 'ERR_PROOF_MALFORMED'],
      ['non-canonical key bits', 'ERR_PROOF_MALFORMED'],
      ['no fingerprint', 'ERR_PROOF_MALFORMED'],
      ['two ufrags', 'ERR_PROOF_MALFORMED'],
      ['sloppy fingerprint line', 'ERR_PROOF_MALFORMED'],
      ['another id claims the key', 'ERR_PROOF_KEY_MISMATCH'],
      ['bound to another receiver', 'ERR_PROOF_INVALID'],
      ['fingerprint swapped', 'ERR_PROOF_INVALID'],
      ['ufrag swapped', 'ERR_PROOF_INVALID'],
      ['offer presented as an answer', 'ERR_PROOF_INVALID'],
      ['answer without its offer', 'ERR_PROOF_MALFORMED'],
      ['answer to another offer', 'ERR_PROOF_INVALID'],
    ]);
    const refused = verifyProof(OFFER, asOffer);
    expect(refused.ok ? undefined : refused.error).toBeInstanceOf(ProofError);
  });

  it('addProof refuses a key that is not the sender’s, a bad signature size, an SDP already proven', () => {
    expect(() => addProof(OFFER, { kind: 'offer', senderId: B.id, receiverId: A.id, publicKey: A.raw, sign: A.sign })).toThrow(TypeError);
    expect(() => addProof(OFFER, { kind: 'offer', senderId: A.id, receiverId: B.id, publicKey: A.raw, sign: () => new Uint8Array(10) })).toThrow(TypeError);
    expect(() => signOffer(A, B.id, signOffer(A, B.id))).toThrow(TypeError);
    expect(() => signOffer(A, B.id, 'v=0\r\n')).toThrow(ProofError);
  });
});

describe('verificationCode', () => {
  it('is six groups of five digits, the same whichever side computes it', () => {
    const x = randomKey();
    const y = randomKey();
    const code = verificationCode(x.raw, y.raw);
    expect(code).toMatch(/^\d{5}( \d{5}){5}$/);
    expect(verificationCode(y.raw, x.raw)).toBe(code);
    expect(verificationCode(x.raw, randomKey().raw)).not.toBe(code);
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(() => verificationCode(new Uint8Array(31), A.raw)).toThrow(TypeError);
  });
});

describe('property: hostile SDP', () => {
  const valid = signOffer(A, B.id);
  const binding = { kind: 'offer' as const, senderId: A.id, receiverId: B.id };
  const deviceId = fc.stringMatching(/^[0-9a-f]{32}$/);

  it('verifyProof and parseSdpIdentity never throw on arbitrary text or bindings', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 400 })),
        fc.constantFrom('offer' as const, 'answer' as const),
        fc.oneof(deviceId, fc.string({ maxLength: 40 })),
        fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
        (text, kind, id, offerSdp) => {
          expect(verifyProof(text, { kind, senderId: id, receiverId: B.id, offerSdp }).ok).toBe(false);
          parseSdpIdentity(text);
        },
      ),
    );
  });

  it('never accepts a changed fingerprint, ufrag, sender or receiver', () => {
    const fingerprintHex = FP_OFFER.slice('sha-256 '.length);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: fingerprintHex.length - 1 }),
        fc.constantFrom(...'0123456789ABCDEF'),
        fc.stringMatching(/^[A-Za-z0-9+/]{4,12}$/),
        deviceId,
        (position, digit, ufrag, id) => {
          const at = fingerprintHex[position]!;
          fc.pre(at !== ':' && at !== digit);
          const changedFp = fingerprintHex.slice(0, position) + digit + fingerprintHex.slice(position + 1);
          expect(verifyProof(valid.replace(fingerprintHex, changedFp), binding).ok).toBe(false);
          if (ufrag !== 'mG4J') expect(verifyProof(valid.replace('a=ice-ufrag:mG4J', `a=ice-ufrag:${ufrag}`), binding).ok).toBe(false);
          if (id !== A.id) expect(verifyProof(valid, { ...binding, senderId: id }).ok).toBe(false);
          if (id !== B.id) expect(verifyProof(valid, { ...binding, receiverId: id }).ok).toBe(false);
        },
      ),
    );
  });

  it('a line inserted anywhere is accepted only if the signed fingerprints and ufrag are unchanged', () => {
    const lines = valid.split('\r\n');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: lines.length }),
        fc.oneof(
          fc.string({ maxLength: 120 }).filter((s) => !/[\r\n]/.test(s)),
          fc.constantFrom('a=fingerprint:', ' a=fingerprint:', 'a=FINGERPRINT:', 'a=ice-ufrag:', 'a = ice-ufrag:', 'a=x-fileshare-proof:').chain((prefix) =>
            fc.string({ maxLength: 120 }).map((rest) => prefix + rest.replace(/[\r\n]/g, '')),
          ),
        ),
        (at, line) => {
          const mutated = [...lines.slice(0, at), line, ...lines.slice(at)].join('\r\n');
          const result = verifyProof(mutated, binding);
          if (result.ok) {
            expect(result.value.fingerprints).toEqual([FP_OFFER]);
            expect(result.value.ufrag).toBe('mG4J');
          }
        },
      ),
    );
  });
});
