import type { NodeEvent, PeerInfo, TransferFile } from '@fileshare/core';
import { clean, cleanLine } from '../format.js';

/**
 * Everything a peer chooses (its name, file names, text, failure messages relayed from it) is
 * cleaned once, where it enters the UI state, so no component can print raw control bytes.
 */
export function sanitizeEvent(e: NodeEvent): NodeEvent {
  switch (e.event) {
    case 'peer-discovered':
    case 'peer-updated':
      return { ...e, name: cleanLine(e.name), address: cleanLine(e.address) };
    case 'peer-state':
      return e.reason === undefined ? e : { ...e, reason: cleanLine(e.reason) };
    case 'transfer-offered':
      return { ...e, peerName: cleanLine(e.peerName), files: e.files.map(cleanFile) };
    case 'transfer-progress':
      return e.currentFile === undefined ? e : { ...e, currentFile: cleanLine(e.currentFile) };
    case 'transfer-complete':
      return { ...e, files: e.files.map((f) => ({ ...f, path: cleanLine(f.path) })) };
    case 'transfer-failed':
    case 'warning':
      return { ...e, message: cleanLine(e.message) };
    case 'text-received':
      return { ...e, peerName: cleanLine(e.peerName), text: clean(e.text) };
    case 'ready':
    case 'peer-removed':
      return e;
  }
}

export function sanitizePeer(p: PeerInfo): PeerInfo {
  return { ...p, name: cleanLine(p.name), address: cleanLine(p.address) };
}

function cleanFile(f: TransferFile): TransferFile {
  return { ...f, path: cleanLine(f.path) };
}
