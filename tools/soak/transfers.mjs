// One soak transfer: a random file from one live host to another through `fileshare-agent send`
// (the sending host's running agent does the work through its control socket), then the
// received file's SHA-256 checked on the receiving host's disk. Every failure keeps its code and
// is counted as caused by the soak's own churn when either host was stopped or killed around it.
import { access, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { agentMain, closed, onAgentEvents, randomFile, sha256File } from '../bench/rig-support.mjs';
import { sleep } from '../bench/agent-fleet.mjs';

const KiB = 1024;
const MiB = 1024 * KiB;
/** Small files: 0-256 KiB; medium: 1-16 MiB. Most are small, as on a real desk. */
export const SMALL_MAX_BYTES = 256 * KiB;
export const MEDIUM_MIN_BYTES = 1 * MiB;
export const MEDIUM_MAX_BYTES = 16 * MiB;
const MEDIUM_SHARE = 0.35;
/** `send --timeout`: how long the send waits for the receiver to be connected. */
export const SEND_CONNECT_TIMEOUT_S = 20;
/**
 * A send that has not exited after this is killed and counted as hung: connect timeout, a
 * reconnect grace period (about 30 s) and 16 MiB at a crawl all fit well inside.
 */
export const SEND_TIMEOUT_MS = 150_000;
/** After a send exited 0, the received file must be on the receiver's disk within this. */
export const VERIFY_WAIT_MS = 5_000;
const VERIFY_POLL_MS = 100;
/**
 * A stop or kill of either host from this long before the send started until it ended counts as
 * the cause of its failure: the sender's view of the peer can lag a kill by the ICE timeout.
 */
export const CHURN_MARGIN_MS = 15_000;

/** Random file size: mostly small, some medium. `random` returns [0, 1). */
export function pickSize(random) {
  if (random() < MEDIUM_SHARE) return MEDIUM_MIN_BYTES + Math.floor(random() * (MEDIUM_MAX_BYTES - MEDIUM_MIN_BYTES + 1));
  return Math.floor(random() * (SMALL_MAX_BYTES + 1));
}

/** The error code a failed send reported, most specific first. */
function failureCode(events, exitCode) {
  const result = events.find((e) => e.event === 'send-result' && !e.ok);
  const failed = events.find((e) => e.event === 'transfer-failed');
  const error = events.find((e) => e.event === 'error');
  const pick = result ?? failed ?? error;
  return { code: pick?.code ?? (exitCode === null ? 'KILLED' : `EXIT_${exitCode}`), message: pick?.message ?? '' };
}

/** Resolves once `path` exists, or after `ms` (then false). */
async function appears(path, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await access(path).then(() => true, () => false)) return true;
    if (Date.now() > deadline) return false;
    await sleep(VERIFY_POLL_MS);
  }
}

/**
 * Runs one transfer from `from` to `to` (soak hosts: `{ host, index, stateDir, inbox }`, `to`
 * with the receiver's current device id). Resolves with its record: `{ seq, from, to, bytes,
 * ok, code, message, exitCode, seconds, startedAt, endedAt }`; `ok` means the sender exited 0 and
 * the file on the receiver's disk has the sent SHA-256.
 */
export async function runTransfer({ seq, from, to, toId, bytes, outbox }) {
  await mkdir(outbox, { recursive: true });
  const name = `soak-${seq}.bin`;
  const source = join(outbox, name);
  const hash = await randomFile(source, bytes);
  const record = { seq, from: from.index, to: to.index, bytes, startedAt: Date.now() };
  const send = from.host.spawn(process.execPath, [agentMain, 'send', '--json', '--state-dir', from.stateDir, '--to', toId, '--timeout', String(SEND_CONNECT_TIMEOUT_S), source]);
  const events = [];
  onAgentEvents(send, (e) => events.push(e));
  let stderr = '';
  send.stderr.setEncoding('utf8').on('data', (c) => (stderr = (stderr + c).slice(-4000)));
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    send.kill('SIGKILL');
  }, SEND_TIMEOUT_MS);
  const exitCode = await closed(send);
  clearTimeout(timer);
  record.endedAt = Date.now();
  record.seconds = (record.endedAt - record.startedAt) / 1000;
  record.exitCode = exitCode;
  try {
    if (hung) return { ...record, ok: false, code: 'ERR_SOAK_SEND_HUNG', message: `send did not exit within ${SEND_TIMEOUT_MS / 1000} s` };
    if (exitCode !== 0) {
      const { code, message } = failureCode(events, exitCode);
      // A crash prints a stack and Node's version last: the line naming the error says more.
      const lines = stderr.trim().split('\n');
      const errorLine = lines.find((l) => /Error|ERR_/.test(l)) ?? lines.pop() ?? '';
      return { ...record, ok: false, code, message: message || errorLine, stderr: stderr.trim() };
    }
    const received = join(to.inbox, name);
    if (!(await appears(received, VERIFY_WAIT_MS))) {
      return { ...record, ok: false, code: 'ERR_SOAK_MISSING', message: `send exited 0 but ${name} is not in host ${to.index}'s inbox` };
    }
    const got = await sha256File(received);
    await rm(received, { force: true });
    if (got !== hash) return { ...record, ok: false, code: 'ERR_SOAK_HASH_MISMATCH', message: `${name} on host ${to.index} has SHA-256 ${got}, sent ${hash}` };
    return { ...record, ok: true };
  } finally {
    await rm(source, { force: true });
  }
}

/**
 * Whether a failed transfer overlaps a deliberate stop or crash of either of its hosts
 * (`churn`: `[{ host, at, kind }]`, `at` in Date.now() ms).
 */
export function causedByChurn(record, churn) {
  return churn.some((c) => (c.host === record.from || c.host === record.to) && c.at >= record.startedAt - CHURN_MARGIN_MS && c.at <= record.endedAt);
}
