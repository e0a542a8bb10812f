import { describe, expect, it } from '@jest/globals';
import {
  DEFAULT_REMOTE_MAX_MESSAGE_SIZE,
  LOCAL_MAX_MESSAGE_SIZE,
  hasDataChannelSection,
  remoteMaxMessageSize,
  stripCandidates,
} from '../../src/sdp.js';

const OFFER = [
  'v=0',
  'o=rtc 2639327140 0 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'm=application 54469 UDP/DTLS/SCTP webrtc-datachannel',
  'c=IN IP4 192.0.2.2',
  'a=mid:0',
  'a=ice-ufrag:ebvu',
  'a=candidate:1 1 UDP 2114977791 192.0.2.2 54469 typ host',
  'a=end-of-candidates',
  '',
].join('\r\n');

describe('sdp helpers', () => {
  it('removes candidate lines and nothing else', () => {
    const stripped = stripCandidates(OFFER);
    expect(stripped).not.toContain('candidate');
    expect(stripped.split('\r\n')).toHaveLength(OFFER.split('\r\n').length - 2);
    expect(stripped).toContain('a=ice-ufrag:ebvu\r\n');
  });

  it('recognises a data channel section in both SDP forms', () => {
    expect(hasDataChannelSection(OFFER)).toBe(true);
    expect(hasDataChannelSection('v=0\nm=application 9 DTLS/SCTP 5000\n')).toBe(true);
    expect(hasDataChannelSection('v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n')).toBe(false);
    expect(hasDataChannelSection('garbage')).toBe(false);
  });
});

describe('remoteMaxMessageSize (RFC 8841)', () => {
  const section = (extra: string) =>
    ['v=0', 'o=- 1 1 IN IP4 0.0.0.0', 's=-', 't=0 0', 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'a=sctp-port:5000', extra, '']
      .filter((l, i, all) => l !== '' || i === all.length - 1)
      .join('\r\n');

  it('is 65 536 when the attribute is absent', () => {
    expect(remoteMaxMessageSize(section(''))).toBe(DEFAULT_REMOTE_MAX_MESSAGE_SIZE);
    expect(DEFAULT_REMOTE_MAX_MESSAGE_SIZE).toBe(65_536);
  });

  it('is the advertised value', () => {
    expect(remoteMaxMessageSize(section('a=max-message-size:65536'))).toBe(65_536);
    expect(remoteMaxMessageSize(section('a=max-message-size:100000'))).toBe(100_000);
    expect(remoteMaxMessageSize(section('a=max-message-size:2000').replace(/\r\n/g, '\n'))).toBe(2000);
  });

  it('is our own limit (262 144) for 0 (no limit) and for anything larger', () => {
    expect(remoteMaxMessageSize(section('a=max-message-size:0'))).toBe(LOCAL_MAX_MESSAGE_SIZE);
    expect(remoteMaxMessageSize(section('a=max-message-size:1073741823'))).toBe(LOCAL_MAX_MESSAGE_SIZE);
    expect(LOCAL_MAX_MESSAGE_SIZE).toBe(262_144);
  });

  it('treats an unreadable value as absent', () => {
    for (const bad of ['a=max-message-size:', 'a=max-message-size:abc', 'a=max-message-size:-5', 'a=max-message-size:1e9', 'a=max-message-size:12x', 'a=max-message-size:9999999999999999999']) {
      expect(remoteMaxMessageSize(section(bad))).toBe(65_536);
    }
  });
});
