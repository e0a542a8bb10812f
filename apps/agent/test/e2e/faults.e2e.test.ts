// Fault tests on the LAN rig (issue 10): packet loss, a sender killed mid-transfer, a full disk.
// Each test is bounded in time and checks the hashes on disk and what both sides reported.
import { afterAll, afterEach, beforeAll, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdir, open, readdir, rm, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLan, describeLan, type Lan } from '@fileshare/lan';
import { type AgentEvent, type AgentProcess, MiB, randomFile, sha256, startAgent, tempDir } from './support.js';

const run = promisify(execFile);
/**
 * packages/peer PEER_GONE_DETECTION_BOUND_MS: a peer that vanished in the middle of a transfer is
 * noticed 15-16 s after the last thing heard from it, 17 s at most (5-6 s when idle).
 */
const PEER_GONE_DETECTION_BOUND_MS = 17_000;
/** Slack for the event to travel: transfer layer, agent stdout, this process. */
const REPORT_SLACK_MS = 1_500;
/** packages/transfer RECEIVE_RECONNECT_GRACE_MS: how long a receiver waits for a vanished sender to continue. */
const RECEIVE_RECONNECT_GRACE_MS = 40_000;
/** packages/transfer DEFAULT_WINDOW_BYTES: what can be in flight (and so sent twice) at a drop. */
const RECEIVE_WINDOW_BYTES = 16 * MiB;
/**
 * 5% loss: the issue asks for 256 MiB, which passed here but took 130 s (2.1 MB/s: SCTP at 5% loss
 * per host on this 2-core machine); 128 MiB keeps the file within ~3 minutes.
 */
const LOSS_5_BYTES = 128 * MiB;

/** Names in `dir` that a person would take for received files (the partial-data bookkeeping excluded). */
async function visibleEntries(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => !name.startsWith('.fileshare')).sort();
}

/** Total bytes of the regular files under `dir` (recursively). */
async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

const log = (line: string): void => void process.stderr.write(`[faults] ${line}\n`);

describeLan('fault tests on the LAN rig', () => {
  let lan: Lan;
  let work: { path: string; remove(): Promise<void> };
  let agents: AgentProcess[] = [];
  let counter = 0;
  const mounts: string[] = [];

  beforeAll(async () => {
    lan = await createLan({ hosts: 2 });
    work = await tempDir('faults');
  });
  afterAll(async () => {
    await lan?.close();
    for (const mount of mounts) await run('umount', ['-l', mount]).catch(() => undefined);
    await work?.remove();
  });
  afterEach(async () => {
    for (const a of agents) a.kill('SIGKILL');
    await Promise.all(agents.map((a) => a.exited));
    agents = [];
    await Promise.all(lan.hosts.map((h) => h.setLoss(0)));
  });

  async function folder(name: string): Promise<string> {
    const path = join(work.path, `${name}-${counter++}`);
    await mkdir(path, { recursive: true });
    return path;
  }

  function agent(host: number, args: string[]): AgentProcess {
    const a = startAgent(lan.hosts[host]!, args);
    agents.push(a);
    return a;
  }

  async function receiver(host: number, state: string, dir: string): Promise<{ process: AgentProcess; id: string }> {
    const process = agent(host, ['run', '--json', '--accept', 'all', '--dir', dir, '--state-dir', state, '--name', `receiver-${host}`]);
    return { process, id: await process.deviceId() };
  }

  function send(host: number, state: string, to: string, paths: string[]): AgentProcess {
    return agent(host, ['send', '--json', '--to', to, '--timeout', '30', '--state-dir', state, '--name', `sender-${host}`, ...paths]);
  }

  const isEnd = (e: AgentEvent): boolean => e.event === 'transfer-complete' || e.event === 'transfer-failed' || e.event === 'error';
  const endOn = (p: AgentProcess, timeoutMs: number, from = 0): Promise<AgentEvent> =>
    p.waitFor((e) => isEnd(e) && (e.at as number) >= from, timeoutMs, 'transfer end');
  /** `not-connected` reports before `until` (the sender's exit after a transfer ends its connection on purpose). */
  const lostPeer = (p: AgentProcess, until = Infinity) =>
    p.events.filter((e) => e.event === 'peer-state' && e.state === 'not-connected' && (e.at as number) < until);

  /** Both hosts drop `percent`% of their packets each way; one file of `bytes` goes host 0 -> host 1 and must arrive verified. */
  async function underLoss(percent: number, bytes: number, timeoutMs: number): Promise<void> {
    const source = await folder(`loss${percent}-src`);
    const file = join(source, `loss-${percent}.bin`);
    await randomFile(file, bytes);
    const inbox = await folder(`loss${percent}-inbox`);
    const r = await receiver(1, await folder(`loss${percent}-state-r`), inbox);
    await Promise.all(lan.hosts.map((h) => h.setLoss(percent)));
    const s = send(0, await folder(`loss${percent}-state-s`), r.id, [file]);
    const offered = await s.waitFor((e) => e.event === 'transfer-offered', 60_000, 'offer');
    const [sent, received] = await Promise.all([endOn(s, timeoutMs), endOn(r.process, timeoutMs)]);
    const ended = Math.min(sent.at as number, received.at as number);
    const seconds = ((sent.at as number) - (offered.at as number)) / 1000;
    log(
      `${percent}% loss both hosts, ${bytes / MiB} MiB: sender ${sent.event}${sent.code ? ` ${sent.code as string}` : ''}, receiver ${received.event}${received.code ? ` ${received.code as string}` : ''} after ${seconds.toFixed(1)} s (${(bytes / 1e6 / seconds).toFixed(1)} MB/s); peer lost before the end: sender ${lostPeer(s, ended).length}x, receiver ${lostPeer(r.process, ended).length}x ${JSON.stringify([...lostPeer(s, ended), ...lostPeer(r.process, ended)].map((e) => e.reason))}`,
    );
    expect(received).toMatchObject({ event: 'transfer-complete', direction: 'receive' });
    expect(sent).toMatchObject({ event: 'transfer-complete', direction: 'send' });
    expect(await s.exited).toBe(0);
    const expected = await sha256(file);
    expect(await sha256(join(inbox, `loss-${percent}.bin`))).toBe(expected);
    expect((sent.files as { path: string; sha256: string }[]).map((f) => f.sha256)).toEqual([expected]);
    expect((received.files as { path: string; sha256: string }[]).map((f) => f.sha256)).toEqual([expected]);
    // Neither side thought the other gone while the transfer ran.
    expect(lostPeer(s, ended)).toEqual([]);
    expect(lostPeer(r.process, ended)).toEqual([]);
  }

  it('2% random loss on both hosts during a 128 MiB transfer: completes verified, nobody declared unresponsive', async () => {
    await underLoss(2, 128 * MiB, 100_000);
  }, 150_000);

  it(`5% random loss on both hosts during a ${LOSS_5_BYTES / MiB} MiB transfer: completes verified`, async () => {
    await underLoss(5, LOSS_5_BYTES, 120_000);
  }, 160_000);

  it('sender SIGKILLed mid-transfer: the receiver reports it within the bound, keeps only partial data, and a later send resumes', async () => {
    const size = 128 * MiB;
    const source = await folder('kill-src');
    const file = join(source, 'killed.bin');
    await randomFile(file, size);
    const inbox = await folder('kill-inbox');
    const senderState = await folder('kill-state-s');
    const r = await receiver(1, await folder('kill-state-r'), inbox);
    const s1 = send(0, senderState, r.id, [file]);
    await r.process.waitFor((e) => e.event === 'transfer-progress' && (e.bytes as number) >= size / 4, 60_000, 'a quarter received');
    const killedAt = Date.now();
    s1.kill('SIGKILL');
    // Noticed within the liveness bound, then held for the sender to continue (it never will).
    const waiting = await r.process.waitFor((e) => e.event === 'transfer-reconnecting' && (e.at as number) >= killedAt, 30_000, 'receiver reconnecting');
    const detectMs = (waiting.at as number) - killedAt;
    const gone = r.process.events.find((e) => e.event === 'peer-state' && e.state === 'not-connected' && (e.at as number) >= killedAt);
    const partial = await bytesUnder(inbox);
    log(
      `sender killed: receiver reported transfer-reconnecting after ${detectMs} ms (bound ${PEER_GONE_DETECTION_BOUND_MS} ms during a transfer); peer-state not-connected after ${gone ? (gone.at as number) - killedAt : '-'} ms (${String(gone?.reason)}); partial data kept ${(partial / MiB).toFixed(1)} MiB`,
    );
    expect(waiting).toMatchObject({ direction: 'receive', graceSeconds: RECEIVE_RECONNECT_GRACE_MS / 1000 });
    expect(detectMs).toBeLessThanOrEqual(PEER_GONE_DETECTION_BOUND_MS + REPORT_SLACK_MS);
    // Only partial data: nothing under the final name (nor a numbered copy), the bytes kept aside.
    expect(await visibleEntries(inbox)).toEqual([]);
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(size);
    expect(r.process.child.exitCode).toBeNull(); // the receiver goes on

    // The same sender (same state dir, so the same device id) sends again, a new transfer: it resumes.
    const s2 = send(0, senderState, r.id, [file]);
    const done = await endOn(s2, 90_000);
    const received = await r.process.waitFor((e) => e.event === 'transfer-complete' && e.transferId === done.transferId, 10_000, 're-send received');
    log(
      `re-send: ${done.event}, resumed ${((done.resumedBytes as number) / MiB).toFixed(1)} MiB, sent ${((done.bytesTransferred as number) / MiB).toFixed(1)} MiB of ${size / MiB} MiB`,
    );
    expect(done).toMatchObject({ event: 'transfer-complete' });
    expect(received).toMatchObject({ event: 'transfer-complete', direction: 'receive' });
    expect(done.resumedBytes as number).toBeGreaterThan(0);
    expect(done.bytesTransferred as number).toBeLessThan(size);
    expect(await s2.exited).toBe(0);
    expect(await visibleEntries(inbox)).toEqual(['killed.bin']);
    expect(await sha256(join(inbox, 'killed.bin'))).toBe(await sha256(file));

    // The killed transfer itself ends as failed once its grace is over: within detection + grace.
    const failed = await r.process.waitFor((e) => e.event === 'transfer-failed' && e.transferId === waiting.transferId, RECEIVE_RECONNECT_GRACE_MS + 10_000, 'the killed transfer fails');
    log(`killed transfer reported failed ${String(failed.code)} ${(((failed.at as number) - killedAt) / 1000).toFixed(1)} s after the kill`);
    expect(failed).toMatchObject({ direction: 'receive', code: 'ERR_TRANSFER_PEER_GONE', message: expect.stringMatching(/did not come back within 40 s/) });
    expect((failed.at as number) - killedAt).toBeLessThanOrEqual(PEER_GONE_DETECTION_BOUND_MS + RECEIVE_RECONNECT_GRACE_MS + REPORT_SLACK_MS);
  }, 150_000);

  /** Bytes the host has sent on its rig link so far (its eth0 counter, read inside its namespace). */
  async function txBytes(host: number): Promise<number> {
    const result = await lan.hosts[host]!.exec('cat', ['/sys/class/net/eth0/statistics/tx_bytes']);
    return Number(result.stdout.trim());
  }

  /** Sends one file host 0 -> host 1 and takes the receiver's link down for `downMs` once a third has arrived. */
  async function throughOutage(name: string, size: number, downMs: number) {
    const source = await folder(`${name}-src`);
    const file = join(source, `${name}.bin`);
    await randomFile(file, size);
    const inbox = await folder(`${name}-inbox`);
    const r = await receiver(1, await folder(`${name}-state-r`), inbox);
    const wireBefore = await txBytes(0);
    const s = send(0, await folder(`${name}-state-s`), r.id, [file]);
    await r.process.waitFor((e) => e.event === 'transfer-progress' && (e.bytes as number) >= size / 3, 60_000, 'a third received');
    const downAt = Date.now();
    await lan.hosts[1]!.linkDown();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await lan.hosts[1]!.linkUp();
    const upAt = Date.now();
    const [sent, received] = await Promise.all([endOn(s, 90_000), endOn(r.process, 90_000)]);
    const wire = (await txBytes(0)) - wireBefore;
    const reconnecting = [s, r.process].map((p) => p.events.filter((e) => e.event === 'transfer-reconnecting' && (e.at as number) >= downAt));
    const restarted = s.events.filter((e) => e.event === 'transfer-started' && (e.at as number) >= downAt);
    log(
      `${name}: link down ${((upAt - downAt) / 1000).toFixed(1)} s; sender ${sent.event}, receiver ${received.event} ${(((sent.at as number) - upAt) / 1000).toFixed(1)} s after the link came back; reconnecting reported by sender ${reconnecting[0]!.length}x, receiver ${reconnecting[1]!.length}x${restarted.length > 0 ? `, continued from ${((restarted[0]!.resumeFromBytes as number) / MiB).toFixed(1)} MiB ${(((restarted[0]!.at as number) - upAt) / 1000).toFixed(1)} s after the link came back` : ''}; sender put ${(wire / MiB).toFixed(1)} MiB on the wire for ${size / MiB} MiB (${((wire / size - 1) * 100).toFixed(1)}% more)`,
    );
    expect(sent).toMatchObject({ event: 'transfer-complete', direction: 'send' });
    expect(received).toMatchObject({ event: 'transfer-complete', direction: 'receive', transferId: sent.transferId });
    expect(await s.exited).toBe(0);
    expect(await sha256(join(inbox, `${name}.bin`))).toBe(await sha256(file));
    expect(await visibleEntries(inbox)).toEqual([`${name}.bin`]);
    return { wire, reconnecting, restarted };
  }

  // Per packet, IP + UDP + DTLS + SCTP headers add about 6% at MTU 1500 (about 85 bytes of 1 500).
  const WIRE_OVERHEAD = 1.08;

  it('link down 5 s in the middle of a 256 MiB transfer: completes by itself; re-sent bytes at most one receive window', async () => {
    const size = 256 * MiB;
    const { wire } = await throughOutage('down5', size, 5_000);
    // SCTP retransmits what was lost in the outage (no more than what was in flight); nothing
    // is started over.
    expect(wire).toBeLessThanOrEqual(size * WIRE_OVERHEAD + RECEIVE_WINDOW_BYTES);
  }, 150_000);

  it('link down 20 s (longer than the liveness bound): both sides report reconnecting, the transfer continues by itself from what the receiver holds', async () => {
    const size = 128 * MiB;
    const { wire, reconnecting, restarted } = await throughOutage('down20', size, 20_000);
    expect(reconnecting[0]!.length).toBeGreaterThanOrEqual(1);
    expect(reconnecting[1]!.length).toBeGreaterThanOrEqual(1);
    expect(restarted[0]!.resumeFromBytes as number).toBeGreaterThanOrEqual(size / 3 - RECEIVE_WINDOW_BYTES);
    expect(wire).toBeLessThanOrEqual(size * WIRE_OVERHEAD + RECEIVE_WINDOW_BYTES);
  }, 150_000);

  it("receiver's disk full: that transfer fails cleanly with ERR_TRANSFER_DISK_FULL, nothing corrupt, and the agent goes on receiving", async () => {
    // A small tmpfs as the receive folder, mounted before the agent starts (its namespace sees it).
    const inbox = await folder('full-inbox');
    await run('mount', ['-t', 'tmpfs', '-o', 'size=128m,mode=0755', 'fileshare-e2e-full', inbox]);
    mounts.push(inbox);
    const source = await folder('full-src');
    const big = join(source, 'big.bin');
    const small = join(source, 'small.bin');
    await randomFile(big, 96 * MiB);
    await randomFile(small, 8 * MiB);
    const r = await receiver(1, await folder('full-state-r'), inbox);
    const senderState = await folder('full-state-s');

    // 1. Space runs out while the file is being written: something else fills the disk.
    const s1 = send(0, senderState, r.id, [big]);
    await r.process.waitFor((e) => e.event === 'transfer-progress' && (e.bytes as number) > 0, 60_000, 'first bytes');
    const filler = join(inbox, 'filler.bin');
    const { bavail, bsize } = await statfs(inbox);
    const handle = await open(filler, 'w');
    await handle.write(Buffer.alloc(Math.max(0, bavail * bsize - 2 * MiB))).finally(() => handle.close());
    const [failedR, failedS] = await Promise.all([endOn(r.process, 30_000), endOn(s1, 30_000)]);
    log(`disk filled mid-transfer: receiver ${failedR.event} ${String(failedR.code)}, sender ${failedS.event} ${String(failedS.code)}; partial kept ${((await bytesUnder(inbox)) / MiB - (await stat(filler)).size / MiB).toFixed(1)} MiB`);
    expect(failedR).toMatchObject({ event: 'transfer-failed', code: 'ERR_TRANSFER_DISK_FULL' });
    expect(failedS).toMatchObject({ event: 'transfer-failed' });
    expect(await visibleEntries(inbox)).toEqual(['filler.bin']); // no big.bin, complete or not
    expect(r.process.child.exitCode).toBeNull();

    // 2. Not enough space to start with: refused up front, same code.
    const s2 = send(0, senderState, r.id, [small]);
    const [refusedS, refusedR] = await Promise.all([endOn(s2, 30_000), endOn(r.process, 30_000, (failedR.at as number) + 1)]);
    log(`no space at the offer: receiver ${refusedR.event} ${String(refusedR.code)}, sender ${refusedS.event} ${String(refusedS.code)}`);
    expect(refusedR).toMatchObject({ event: 'transfer-failed', code: 'ERR_TRANSFER_DISK_FULL' });
    expect(refusedS.event).toBe('transfer-failed');
    expect(await visibleEntries(inbox)).toEqual(['filler.bin']);

    // 3. Space again: the same agent receives the next (smaller) transfer, verified.
    await rm(filler);
    const s3 = send(0, senderState, r.id, [small]);
    const [doneS, doneR] = await Promise.all([endOn(s3, 30_000), endOn(r.process, 30_000, (refusedR.at as number) + 1)]);
    expect(doneS).toMatchObject({ event: 'transfer-complete' });
    expect(doneR).toMatchObject({ event: 'transfer-complete', direction: 'receive' });
    expect(await s3.exited).toBe(0);
    expect(await visibleEntries(inbox)).toEqual(['small.bin']);
    expect(await sha256(join(inbox, 'small.bin'))).toBe(await sha256(small));
  }, 120_000);
});
