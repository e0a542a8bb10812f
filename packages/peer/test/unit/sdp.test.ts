import { describe, expect, it } from '@jest/globals';
import { hasDataChannelSection, stripCandidates } from '../../src/sdp.js';

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
