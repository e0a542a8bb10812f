import { ProofError, type Result, err, ok } from './errors.js';

/** What a proof of identity binds from one SDP: its DTLS fingerprints and its ICE ufrag. */
export interface SdpIdentity {
  /** Distinct `a=fingerprint` values as "<alg lowercase> <HEX UPPERCASE with colons>", sorted. */
  fingerprints: string[];
  /** The one distinct `a=ice-ufrag` value. */
  ufrag: string;
}

/**
 * Lines that a lenient SDP parser might read as a fingerprint or a ufrag. Every such line must be
 * in the strict form below, or the SDP is refused: otherwise a sloppy spelling that the WebRTC
 * stack accepts but the proof check skipped could carry an unsigned fingerprint past it.
 */
const FINGERPRINT_LIKE = /^\s*a\s*=\s*fingerprint\s*:/i;
const UFRAG_LIKE = /^\s*a\s*=\s*ice-ufrag\s*:/i;
/** RFC 8122: hash name, one space, 16 to 64 hex bytes separated by colons. */
const FINGERPRINT = /^a=fingerprint:([A-Za-z0-9-]{1,16}) ([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){15,63})$/;
/** RFC 8839: 4 to 256 ice-chars. */
const UFRAG = /^a=ice-ufrag:([A-Za-z0-9+/]{4,256})$/;

/** Reads the fingerprints and ufrag of an SDP (any line ending). Never throws. */
export function parseSdpIdentity(sdp: string): Result<SdpIdentity, ProofError> {
  if (typeof sdp !== 'string') return malformed('The SDP is not text.');
  const fingerprints = new Set<string>();
  const ufrags = new Set<string>();
  for (const line of sdp.split(/\r\n|\n|\r/)) {
    if (FINGERPRINT_LIKE.test(line)) {
      const match = FINGERPRINT.exec(line);
      if (!match) return malformed('The SDP has an a=fingerprint line that is not "<hash> <HEX:HEX:...>".');
      fingerprints.add(`${(match[1] ?? '').toLowerCase()} ${(match[2] ?? '').toUpperCase()}`);
    } else if (UFRAG_LIKE.test(line)) {
      const match = UFRAG.exec(line);
      if (!match) return malformed('The SDP has an a=ice-ufrag line that is not 4 to 256 ICE characters.');
      ufrags.add(match[1] ?? '');
    }
  }
  if (fingerprints.size === 0) return malformed('The SDP has no DTLS fingerprint (a=fingerprint).');
  if (ufrags.size !== 1) return malformed(`The SDP must have exactly one ICE ufrag; it has ${ufrags.size}.`);
  const [ufrag = ''] = ufrags;
  // Sorted by UTF-16 code unit, which for these ASCII strings is byte order.
  return ok({ fingerprints: [...fingerprints].sort(), ufrag });
}

function malformed(message: string): { ok: false; error: ProofError } {
  return err(new ProofError('ERR_PROOF_MALFORMED', message));
}
