/**
 * Process-wide last-resort cleanup: every live LAN registers here and is torn down synchronously
 * on process exit or on a terminating signal. Handlers are installed once, on the first LAN.
 */
export interface LiveLan {
  closeSync(): void;
}

const live = new Set<LiveLan>();
let installed = false;

const TERMINATING_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function closeAllSync(): void {
  for (const lan of [...live]) {
    try {
      lan.closeSync();
    } catch {
      // best effort: the reaper and the next run's stale sweep catch what is left
    }
  }
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  closeAllSync();
  // Keep the default behaviour (die by the signal) unless someone else also handles it.
  if (process.listenerCount(signal) <= 1) {
    for (const sig of TERMINATING_SIGNALS) process.removeListener(sig, onSignal);
    process.kill(process.pid, signal);
  }
}

function installHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', closeAllSync);
  for (const sig of TERMINATING_SIGNALS) process.on(sig, onSignal);
}

export function registerLan(lan: LiveLan): void {
  installHandlers();
  live.add(lan);
}

export function unregisterLan(lan: LiveLan): void {
  live.delete(lan);
}
