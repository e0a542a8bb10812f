import { formatBytes, safeForTerminal, type NodeEvent } from '@fileshare/core';

// One set of units for both apps (core's), so a size reads the same in the agent and the TUI.
export { formatBytes, formatDuration, formatRate } from '@fileshare/core';

export function progressBar(bytes: number, total: number, width = 24): string {
  const fraction = total > 0 ? Math.min(1, bytes / total) : 1;
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%`;
}

export const short = (id: string): string => id.slice(0, 8);

/** `1 file`, `3 files`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** An offer of a text message: it lists no entries (an offer of files lists at least one). */
export function isTextOffer(e: { files: readonly unknown[] }): boolean {
  return e.files.length === 0;
}

/** Peer-chosen text (names, messages, paths, addresses) as the terminal must show it: inert. */
const safe = (text: string): string => safeForTerminal(text);

/** The command that trusts `peerId`; `--state-dir` included when the agent runs with one. */
export function trustAddCommand(peerId: string, stateDir?: string): string {
  return `fileshare-agent trust add ${peerId}${stateDir !== undefined ? ` --state-dir ${shellWord(stateDir)}` : ''}`;
}

/** A local path as one shell word (quoted only when it needs it), for commands we suggest. */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

export interface DescribeOptions {
  /** The agent's `--state-dir`, repeated in the `trust add` hint so it edits the right file. */
  stateDir?: string;
}

/** One readable line per event (the non-JSON output); undefined for events not worth a line. */
export function describeEvent(e: NodeEvent, options: DescribeOptions = {}): string | undefined {
  switch (e.event) {
    case 'ready':
      return `ready: ${safe(e.name)} (${e.deviceId}) on port ${e.port}, addresses ${e.addresses.join(', ') || 'none'}; receiving into ${safe(e.receiveDir)}`;
    case 'peer-discovered':
      return `peer found: ${safe(e.name)} (${short(e.peerId)}) at ${safe(e.address)}:${e.port}${e.manual ? ' [by address]' : ''}`;
    case 'peer-updated':
      return `peer changed: ${safe(e.name)} (${short(e.peerId)}) now at ${safe(e.address)}:${e.port}`;
    case 'peer-verified':
      return e.trusted
        ? `${safe(e.name)} (${short(e.peerId)}) verified, trusted; code ${e.verificationCode}`
        : `${safe(e.name)} (${short(e.peerId)}) verified; code ${e.verificationCode} — compare it on the other device before trusting: ${trustAddCommand(e.peerId, options.stateDir)}`;
    case 'peer-state':
      return `peer ${short(e.peerId)}: ${e.state.replace('-', ' ')}${e.reason ? ` (${safe(e.reason)})` : ''}`;
    case 'peer-removed':
      return `peer gone: ${short(e.peerId)} (${e.reason})`;
    case 'transfer-offered': {
      // A text offer lists no entries (a files offer lists at least one): say what it is.
      const what = isTextOffer(e) ? `text, ${formatBytes(e.totalBytes)}` : `${e.files.length} item(s), ${formatBytes(e.totalBytes)}`;
      const line = `${e.direction === 'receive' ? 'incoming from' : 'offering to'} ${safe(e.peerName)} (${short(e.peerId)}): ${what}`;
      if (e.direction === 'send') return line;
      // The node's WARN_LOOKALIKE_PEER says it in full (rate-limited); every such offer is tagged.
      if (e.lookalikeOf !== undefined) return `${line} [LOOK-ALIKE of trusted ${short(e.lookalikeOf)}: another device with its name; never accepted automatically]`;
      return e.trusted ? `${line} [trusted]` : line;
    }
    case 'transfer-started':
      if (e.resumeFromBytes > 0 || e.alreadyThereFiles > 0) {
        const there = e.alreadyThereFiles > 0 ? ` (${plural(e.alreadyThereFiles, 'file')} already there)` : '';
        return `transfer ${short(e.transferId)}: resuming from ${formatBytes(e.resumeFromBytes)} of ${formatBytes(e.totalBytes)}${there}`;
      }
      return e.direction === 'send' ? `transfer ${short(e.transferId)} accepted; sending ${formatBytes(e.totalBytes)}` : undefined;
    case 'transfer-reconnecting':
      return `transfer ${short(e.transferId)}: connection to ${short(e.peerId)} lost (${safe(e.message)}); reconnecting, it goes on by itself if the peer is back within ${e.graceSeconds} s`;
    case 'transfer-progress':
      return undefined;
    case 'transfer-complete': {
      // A text transfer ends with no files: on the receiver its text-received line says it all.
      if (e.files.length === 0 && e.bytesTransferred > 0) return e.direction === 'send' ? `text ${short(e.transferId)} confirmed by the receiver` : undefined;
      const there = e.files.filter((f) => f.alreadyThere === true).length;
      return `transfer ${short(e.transferId)} verified: ${plural(e.files.length, 'file')}${there > 0 ? ` (${there} already there)` : ''}${e.savedTo ? ` in ${safe(e.savedTo)}` : ''}${e.resumedBytes > 0 ? `, resumed after ${formatBytes(e.resumedBytes)}` : ''}`;
    }
    case 'transfer-failed':
      return `transfer ${short(e.transferId)} failed: ${safe(e.message)} [${safe(e.code)}]`;
    case 'text-received':
      return `text from ${safe(e.peerName)} (${short(e.peerId)}):\n${safeForTerminal(e.text, { multiline: true })}`;
    case 'warning':
      return `warning: ${safe(e.message)}`;
  }
}
