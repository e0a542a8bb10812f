import { safeForTerminal, type NodeEvent, type PeerInfo, type TransferFile } from '@fileshare/core';

/** One line: control characters, line breaks and bidi controls shown escaped (`\x1b`, `<U+202E>`). */
const line = (text: string): string => safeForTerminal(text);

/**
 * Everything a peer chooses (its name, file names, text, failure messages relayed from it) is made
 * inert once, where it enters the UI state, with core's `safeForTerminal` (the agent uses the same),
 * so no component can print raw control bytes. Cutting to the screen width stays the components' job.
 */
export function sanitizeEvent(e: NodeEvent): NodeEvent {
  switch (e.event) {
    case 'peer-discovered':
    case 'peer-updated':
      return { ...e, name: line(e.name), address: line(e.address) };
    case 'peer-verified':
      return { ...e, name: line(e.name) };
    case 'peer-state':
      return e.reason === undefined ? e : { ...e, reason: line(e.reason) };
    case 'transfer-offered':
      return { ...e, peerName: line(e.peerName), files: e.files.map(cleanFile) };
    case 'transfer-progress':
      return e.currentFile === undefined ? e : { ...e, currentFile: line(e.currentFile) };
    case 'transfer-complete':
      return { ...e, files: e.files.map((f) => ({ ...f, path: line(f.path) })) };
    case 'transfer-failed':
    case 'transfer-reconnecting':
    case 'warning':
      return { ...e, message: line(e.message) };
    case 'text-received':
      // A text keeps its line breaks (Windows ones too); the dialog wraps it. What is shown is
      // also what `c` copies and saves: pasting a control sequence back into a shell is how
      // pastejacking works.
      return { ...e, peerName: line(e.peerName), text: safeForTerminal(e.text.replace(/\r\n/g, '\n'), { multiline: true }) };
    case 'ready':
    case 'peer-removed':
    case 'transfer-started':
      return e;
  }
}

export function sanitizePeer(p: PeerInfo): PeerInfo {
  return { ...p, name: line(p.name), address: line(p.address) };
}

function cleanFile(f: TransferFile): TransferFile {
  return { ...f, path: line(f.path) };
}
