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

/** RFC 8841: the limit a peer has when its description carries no `a=max-message-size`. */
export const DEFAULT_REMOTE_MAX_MESSAGE_SIZE = 65_536;
/**
 * The largest message we ever send, whatever the peer advertises: libdatachannel's own default
 * limit, and the largest transfer message (MAX_TRANSFER_CHUNK_MESSAGE_BYTES).
 */
export const LOCAL_MAX_MESSAGE_SIZE = 262_144;

/**
 * The largest message we may send to the peer whose description this is (RFC 8841): its
 * `a=max-message-size` value, 65 536 when the attribute is absent or unreadable, and never more
 * than {@link LOCAL_MAX_MESSAGE_SIZE}; 0 means the peer sets no limit, so ours applies.
 */
export function remoteMaxMessageSize(sdp: string): number {
  const match = /^a=max-message-size:[ \t]*(\d{1,15})[ \t]*\r?$/m.exec(sdp);
  if (!match) return DEFAULT_REMOTE_MAX_MESSAGE_SIZE;
  const value = Number(match[1]);
  if (value === 0) return LOCAL_MAX_MESSAGE_SIZE;
  return Math.min(value, LOCAL_MAX_MESSAGE_SIZE);
}
