/**
 * Candidates travel only in `ice` messages (protocol steps 5 and 6), so the SDP we send has its
 * `a=candidate` and `a=end-of-candidates` lines removed. libdatachannel gathers host candidates
 * synchronously and would otherwise put them all into the description.
 */
export function stripCandidates(sdp: string): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  return sdp
    .split(eol)
    .filter((line) => !line.startsWith('a=candidate:') && line !== 'a=end-of-candidates')
    .join(eol);
}

/**
 * True when the SDP has a data channel section (`m=application <port> UDP/DTLS/SCTP
 * webrtc-datachannel`, or the older `DTLS/SCTP <sctp-port>` form). An offer without one would
 * make libdatachannel answer with whatever else it contains and never open a channel, so we
 * refuse it early.
 */
export function hasDataChannelSection(sdp: string): boolean {
  return /^m=application \d+ (?:UDP\/|TCP\/)?DTLS\/SCTP /m.test(sdp);
}
