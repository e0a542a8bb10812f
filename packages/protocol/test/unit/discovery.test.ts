import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  MAX_DEVICE_NAME_BYTES,
  ProtocolError,
  compareDeviceIds,
  decodeTxt,
  deviceIdFromPublicKey,
  encodeTxt,
  instanceFqdnFor,
  isDeviceId,
  isInitiator,
  parseInstanceName,
  sanitizeDeviceName,
} from '../../src/index.js';

const deviceId = fc.stringMatching(/^[0-9a-f]{32}$/);

describe('TXT records', () => {
  it('decode(encode(t)) = t for names already sanitized', () => {
    fc.assert(
      fc.property(deviceId, fc.integer({ min: 1, max: 65535 }), fc.string({ maxLength: 80 }), fc.integer({ min: 1, max: 99 }), (id, port, name, version) => {
        const txt = { id, port, name: sanitizeDeviceName(name), version };
        expect(decodeTxt(encodeTxt(txt))).toEqual({ ok: true, value: txt });
      }),
    );
  });

  it('arbitrary TXT strings give a record or a typed error', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.uint8Array({ maxLength: 60 }), fc.string({ maxLength: 60 }))), (strings) => {
        const r = decodeTxt(strings);
        if (!r.ok) expect(r.error).toBeInstanceOf(ProtocolError);
        else expect(isDeviceId(r.value.id)).toBe(true);
      }),
    );
  });

  it('requires id and a port in range; first occurrence of a key wins', () => {
    expect(decodeTxt(['port=1'])).toMatchObject({ ok: false, error: { code: 'ERR_TXT_RECORD_INVALID' } });
    expect(decodeTxt([`id=${'a'.repeat(32)}`, 'port=70000'])).toMatchObject({ ok: false });
    expect(decodeTxt([`id=${'a'.repeat(32)}`, 'PORT=80', 'port=90'])).toMatchObject({ ok: true, value: { port: 80 } });
  });

  it('names lose control characters and bidi overrides and fit the byte limit', () => {
    expect(sanitizeDeviceName('evil\u202ename\u0000\n  x')).toBe('evilname x');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 100 }), (name) => {
        const s = sanitizeDeviceName(name);
        expect(Buffer.byteLength(s)).toBeLessThanOrEqual(MAX_DEVICE_NAME_BYTES);
        expect(s).not.toMatch(/[\u0000-\u001f]/);
      }),
    );
  });
});

describe('instance names and device ids', () => {
  it('instance FQDN round-trips to the device id, case-insensitively', () => {
    fc.assert(
      fc.property(deviceId, (id) => {
        expect(parseInstanceName(instanceFqdnFor(id))).toEqual({ ok: true, value: id });
        expect(parseInstanceName(instanceFqdnFor(id).toUpperCase())).toEqual({ ok: true, value: id });
      }),
    );
    expect(parseInstanceName('Printer._ipp._tcp.local')).toMatchObject({ ok: false, error: { code: 'ERR_INSTANCE_NAME_INVALID' } });
  });

  it('device ids derive from a public key and the lower id initiates', () => {
    const a = deviceIdFromPublicKey(new Uint8Array(32));
    expect(isDeviceId(a)).toBe(true);
    fc.assert(
      fc.property(deviceId, deviceId, (x, y) => {
        expect(Math.sign(compareDeviceIds(x, y))).toBe(-Math.sign(compareDeviceIds(y, x)));
        if (x !== y) expect(isInitiator(x, y)).not.toBe(isInitiator(y, x));
        expect(isInitiator(x, x)).toBe(false);
      }),
    );
  });
});
