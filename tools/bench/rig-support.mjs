// What the rig benchmarks share: the built agent, a root check, its JSON-lines events and the
// peak memory of a process.
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lanUnavailableReason } from '../lan/dist/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const agentMain = join(root, 'apps/agent/dist/main.js');

/** Exits 0 with one line when the rig cannot run here (not root, no ip/nft). */
export function exitUnlessRigAvailable() {
  const reason = lanUnavailableReason();
  if (reason) {
    console.log(`skipped: ${reason}`);
    process.exit(0);
  }
}

/** Calls onEvent with each JSON line the child prints, stamped with `at` (ms, performance.now). */
export function onAgentEvents(child, onEvent) {
  let buffered = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (c) => {
    buffered += c;
    let n;
    while ((n = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, n);
      buffered = buffered.slice(n + 1);
      try {
        onEvent({ ...JSON.parse(line), at: performance.now() });
      } catch {
        /* not an event */
      }
    }
  });
}

/** Peak resident set (VmHWM) of a process, in MiB; 0 once it is gone (so poll while it runs). */
export async function peakRss(pid) {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resolves with the exit code once the child is gone and all its output is read. */
export function closed(child) {
  return new Promise((resolveClose) => child.once('close', resolveClose));
}

/**
 * Runs `fileshare-agent send <args>` on a rig host until it is gone. Returns its exit code, the
 * seconds from offer to receiver-verified (undefined when it failed), its peak memory and the
 * failure event if any.
 */
export async function measureSend(host, args) {
  const sender = host.spawn(process.execPath, [agentMain, 'send', '--json', ...args]);
  let offeredAt;
  let doneAt;
  let failure;
  onAgentEvents(sender, (e) => {
    if (e.event === 'transfer-offered') offeredAt = e.at;
    if (e.event === 'transfer-complete') doneAt = e.at;
    if (e.event === 'transfer-failed' || e.event === 'error') failure = e;
  });
  let peakMiB = 0;
  const poll = setInterval(async () => {
    peakMiB = Math.max(peakMiB, await peakRss(sender.pid));
  }, 200);
  const code = await closed(sender);
  clearInterval(poll);
  const seconds = code === 0 && doneAt !== undefined ? (doneAt - offeredAt) / 1000 : undefined;
  return { code, seconds, peakMiB, failure };
}

/** One line for a send that did not end verified. */
export function describeFailure(label, { code, failure }) {
  return `${label} | failed (exit ${code}) ${failure ? `${failure.code}: ${failure.message}` : ''}`;
}
