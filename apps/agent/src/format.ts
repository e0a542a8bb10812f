import type { NodeEvent } from '@fileshare/core';

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

export function progressBar(bytes: number, total: number, width = 24): string {
  const fraction = total > 0 ? Math.min(1, bytes / total) : 1;
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%`;
}

const short = (id: string): string => id.slice(0, 8);

/** One readable line per event (the non-JSON output); undefined for events not worth a line. */
export function describeEvent(e: NodeEvent): string | undefined {
  switch (e.event) {
    case 'ready':
      return `ready: ${e.name} (${e.deviceId}) on port ${e.port}, addresses ${e.addresses.join(', ') || 'none'}; receiving into ${e.receiveDir}`;
    case 'peer-discovered':
      return `peer found: ${e.name} (${short(e.peerId)}) at ${e.address}:${e.port}${e.manual ? ' [by address]' : ''}`;
    case 'peer-updated':
      return `peer changed: ${e.name} (${short(e.peerId)}) now at ${e.address}:${e.port}`;
    case 'peer-state':
      return `peer ${short(e.peerId)}: ${e.state.replace('-', ' ')}${e.reason ? ` (${e.reason})` : ''}`;
    case 'peer-removed':
      return `peer gone: ${short(e.peerId)} (${e.reason})`;
    case 'transfer-offered':
      return `${e.direction === 'receive' ? 'incoming from' : 'offering to'} ${e.peerName} (${short(e.peerId)}): ${e.files.length} item(s), ${formatBytes(e.totalBytes)}`;
    case 'transfer-progress':
      return undefined;
    case 'transfer-complete':
      return `transfer ${short(e.transferId)} verified: ${e.files.length} file(s)${e.savedTo ? ` in ${e.savedTo}` : ''}${e.resumedBytes > 0 ? `, resumed after ${formatBytes(e.resumedBytes)}` : ''}`;
    case 'transfer-failed':
      return `transfer ${short(e.transferId)} failed: ${e.message} [${e.code}]`;
    case 'text-received':
      return `text from ${e.peerName} (${short(e.peerId)}):\n${e.text}`;
    case 'warning':
      return `warning: ${e.message}`;
  }
}
