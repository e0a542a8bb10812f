import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLan, describeLan, type Lan } from '@fileshare/lan';
import {
  AGENT_MAIN,
  type AgentEvent,
  type AgentProcess,
  type FixtureProcess,
  RssSampler,
  type TestKey,
  isState,
  keyWhere,
  rssMb,
  startAgent,
  startAttacker,
  startsWithOneOf,
  stateDirFor,
  tempDir,
} from './support.js';

// What a hostile host on the same LAN can try against the real agent, and what a user must see:
// nobody connects under an id without its key, a live connection cannot be taken over, mDNS
// cannot tear down or redirect a running transfer, `--accept trusted` means what it says, and
// floods cost bounded resources while honest peers keep working. The attacker is
// test/fixtures/attacker.mjs, built from our own packages.

const PORT = 47000;
const MiB = 1024 * 1024;
const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const proofCodes = (text: string): Set<string> => new Set(text.match(/ERR_PROOF_[A-Z_]+/g) ?? []);
const CODE_OF_VARIANT: Record<string, string> = { none: 'ERR_PROOF_MISSING', own: 'ERR_PROOF_KEY_MISMATCH', replay: 'ERR_PROOF_INVALID' };
/** Impostor lines that would mean a forged proof got through. */
const BREACH = ['answer-received', 'ice-received', 'connected', 'channel'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeLan('security: a lying peer on the LAN against the real agent', () => {
  let lan: Lan;
  let work: { path: string; remove(): Promise<void> };
  let agents: AgentProcess[] = [];
  let fixtures: FixtureProcess[] = [];
  let counter = 0;

  beforeAll(async () => {
    lan = await createLan({ hosts: 4 });
    work = await tempDir('security');
  });
  afterAll(async () => {
    await lan?.close();
    await work?.remove();
  });
  afterEach(async () => {
    for (const p of [...agents, ...fixtures]) p.child.kill('SIGKILL');
    await Promise.all([...agents, ...fixtures].map((p) => p.exited));
    agents = [];
    fixtures = [];
    for (const h of lan.hosts) await h.blockMulticast(false);
  });

  async function folder(name: string): Promise<string> {
    const path = join(work.path, `${name}-${counter++}`);
    await mkdir(path, { recursive: true });
    return path;
  }

  let big: string | undefined;
  /** One 200 MiB random file for the tests that need a transfer long enough to attack. */
  async function bigFile(): Promise<string> {
    big ??= await fileOf('big.bin', 200 * MiB);
    return big;
  }

  async function fileOf(name: string, bytes: number): Promise<string> {
    const path = join(await folder('src'), name);
    await writeFile(path, randomBytes(bytes));
    return path;
  }

  function track<T extends AgentProcess | FixtureProcess>(p: T): T {
    if ('events' in p) agents.push(p);
    else fixtures.push(p);
    return p;
  }

  async function stateOf(key: TestKey): Promise<string> {
    return (await stateDirFor(`state-${counter++}`, key)).path;
  }

  /** `run` with a known key on a host; resolves once ready. */
  async function runAgent(host: number, key: TestKey, name: string, extra: string[] = [], state?: string): Promise<{ p: AgentProcess; inbox: string; state: string }> {
    const inbox = await folder(`inbox-${name}`);
    const dir = state ?? (await stateOf(key));
    const p = track(startAgent(lan.hosts[host]!, ['run', '--json', '--verbose', '--port', String(PORT), '--name', name, '--state-dir', dir, '--dir', inbox, ...extra]));
    expect(await p.deviceId()).toBe(key.id);
    return { p, inbox, state: dir };
  }

  /** `send` with a known key; `port` 0 picks any (PORT when a test must know where the sender listens). */
  async function send(host: number, key: TestKey, to: string, what: string[], name: string, timeoutS: number, port = 0): Promise<AgentProcess> {
    return track(
      startAgent(lan.hosts[host]!, ['send', '--json', '--verbose', '--port', String(port), '--name', name, '--state-dir', await stateOf(key), '--to', to, '--timeout', String(timeoutS), ...what]),
    );
  }

  const ended = (p: AgentProcess, timeoutMs: number): Promise<AgentEvent> =>
    p.waitFor((e) => e.event === 'transfer-complete' || e.event === 'transfer-failed' || e.event === 'error', timeoutMs, 'end of send');

  /** Everything the agent said about refused proofs: its verbose log and its warning events. */
  const refusals = (p: AgentProcess): Set<string> =>
    proofCodes(p.stderrLines.join('\n') + JSON.stringify(p.events.filter((e) => e.event === 'warning')));

  /** The agent is still up and serving: an honest peer's text arrives (a fresh one, or `key` for a receiver that takes trusted peers only). */
  async function stillServes(host: number, target: AgentProcess, targetId: string, key = keyWhere()): Promise<void> {
    expect(target.child.exitCode).toBeNull();
    const text = `still here ${randomBytes(4).toString('hex')}`;
    const s = await send(host, key, targetId, ['--text', text], 'honest', 20);
    expect(await s.exited).toBe(0);
    await target.waitFor((e) => e.event === 'text-received' && e.text === text, 5000, 'honest text');
  }

  it('an impostor claiming a known peer id (no proof, a proof by its own key, a replayed genuine proof) never connects as it, offering or answering; the real peer reconnects afterwards', async () => {
    const victim = keyWhere(startsWithOneOf('789'));
    const above = keyWhere(startsWithOneOf('def')); // victim < it: the impostor offers to it
    const below = keyWhere(startsWithOneOf('012')); // it < victim: it offers, the impostor answers
    const [, , h2, h3] = lan.hosts;
    const rHi = await runAgent(1, above, 'r-hi', ['--accept', 'all']);
    const rLo = await runAgent(0, below, 'r-lo', ['--accept', 'all']);
    const v = await runAgent(2, victim, 'victim', ['--accept', 'all']);
    await Promise.all([rHi.p, rLo.p].map((r) => r.waitFor(isState(victim.id, 'connected'), 30000, 'connected to the victim')));

    // A genuine proof by the victim's key, taken from a connection of the attacker's own.
    const cap = track(startAttacker(h3!, 'capture', { victim: `${h2!.address}:${PORT}`, victimId: victim.id, durationMs: 15000 }));
    const captured = await cap.waitFor('captured', 20000);
    expect(captured.proof).toMatch(/^a=x-fileshare-proof:/);

    // The impostor moves in (announcing the victim's id at its own address), then the victim
    // goes offline; both receivers notice.
    const marks = [rHi.p.events.length, rLo.p.events.length];
    const imp = track(
      startAttacker(h3!, 'impostor', {
        victimId: victim.id,
        name: 'victim',
        address: h3!.address,
        port: PORT,
        proofs: ['none', 'own', 'replay'],
        replayProof: captured.proof,
        offerIntervalMs: 1000,
        durationMs: 40000,
      }),
    );
    await imp.waitFor('listening', 10000);
    v.p.kill('SIGKILL');
    await v.p.exited;
    await Promise.all([rHi.p, rLo.p].map((r) => r.waitFor(isState(victim.id, 'not-connected'), 15000, 'victim gone')));
    // Until both roles were played: offers to the higher id, and an answer to the lower id's
    // offer (which comes when its retries reach the impostor's address: up to ~11 s).
    const bothRoles = (): boolean =>
      imp.of('sent-offer').filter((l) => l.to === above.id).length >= 3 && imp.of('sent-answer').some((l) => l.to === below.id);
    for (const until = Date.now() + 30000; !bothRoles() && Date.now() < until; ) await sleep(250);
    await sleep(2000); // time for a wrongly accepted forgery to show (an answer, ICE, a connection)
    imp.child.kill('SIGTERM');
    const summary = await imp.done(10000);
    process.stderr.write(`[impostor] ${JSON.stringify(summary)}\n`);
    const offered = imp.of('sent-offer');
    const answered = imp.of('sent-answer');
    // Both roles were played: offers to the higher id, answers to the lower id's offers.
    expect(offered.filter((l) => l.to === above.id).length).toBeGreaterThanOrEqual(3);
    expect(answered.filter((l) => l.to === below.id).length).toBeGreaterThanOrEqual(1);
    expect(BREACH.flatMap((t) => imp.of(t))).toEqual([]);
    for (const [i, r] of [rHi, rLo].entries()) {
      expect(r.p.events.slice(marks[i]).filter(isState(victim.id, 'connected'))).toEqual([]);
      expect(r.p.events.slice(marks[i]).filter((e) => e.event === 'transfer-offered')).toEqual([]);
    }
    // Each forged proof was refused with its own code, visible in the receiver's log.
    const seenHi = refusals(rHi.p);
    for (const proof of new Set(offered.filter((l) => l.to === above.id).map((l) => l.proof as string))) expect(seenHi).toContain(CODE_OF_VARIANT[proof]);
    const seenLo = refusals(rLo.p);
    for (const proof of new Set(answered.filter((l) => l.to === below.id).map((l) => l.proof as string))) expect(seenLo).toContain(CODE_OF_VARIANT[proof]);

    // The real victim, back with its key, connects to both as before.
    const back = await runAgent(2, victim, 'victim', ['--accept', 'all'], v.state);
    const again = [rHi.p.events.length, rLo.p.events.length];
    await Promise.all(
      [rHi, rLo].map((r, i) => r.p.waitFor((e) => r.p.events.indexOf(e) >= again[i]! && isState(victim.id, 'connected')(e), 30000, 'victim reconnected')),
    );
    expect(back.p.child.exitCode).toBeNull();
    await stillServes(0, rHi.p, above.id);
  });

  it('send --to <victim id> against an impostor holding that id: with the victim offline it fails with exit 3 and the impostor gets nothing; with the victim online the file reaches the victim only', async () => {
    const victim = keyWhere(startsWithOneOf('789'));
    const lower = keyWhere(startsWithOneOf('012')); // offers to "the victim", i.e. dials the impostor
    const higher = keyWhere(startsWithOneOf('def')); // takes offers from "the victim"
    const h3 = lan.hosts[3]!;
    const imp = track(startAttacker(h3, 'impostor', { victimId: victim.id, name: 'victim', address: h3.address, port: PORT, proofs: ['none', 'own'], offerIntervalMs: 1500, durationMs: 60000 }));
    await imp.waitFor('listening', 10000);
    const file = await fileOf('for-the-victim.bin', MiB);

    const senders = [await send(0, lower, victim.id, [file], 'sender-lo', 10), await send(1, higher, victim.id, [file], 'sender-hi', 10)];
    for (const s of senders) {
      expect(await s.exited).toBe(3);
      expect(s.events.find((e) => e.event === 'error')).toMatchObject({ code: 'ERR_PEER_NOT_CONNECTED' });
      expect(s.events.filter((e) => e.event === 'transfer-offered')).toEqual([]);
    }
    expect(imp.of('sent-answer').filter((l) => l.to === lower.id).length).toBeGreaterThanOrEqual(1);
    expect(imp.of('sent-offer').filter((l) => l.to === higher.id).length).toBeGreaterThanOrEqual(1);
    expect(BREACH.flatMap((t) => imp.of(t))).toEqual([]);
    expect(refusals(senders[0]!).size + refusals(senders[1]!).size).toBeGreaterThan(0);

    // The victim comes online (the impostor still announcing its id every second): the file
    // goes to the victim, which offers to the higher id itself.
    const v = await runAgent(2, victim, 'victim', ['--accept', 'all']);
    const s = await send(1, higher, victim.id, [file], 'sender-hi', 30);
    expect(await ended(s, 45000)).toMatchObject({ event: 'transfer-complete' });
    expect(await s.exited).toBe(0);
    await v.p.waitFor((e) => e.event === 'transfer-complete', 10000, 'victim received');
    expect(sha256(join(v.inbox, 'for-the-victim.bin'))).toBe(sha256(file));
    expect(BREACH.flatMap((t) => imp.of(t))).toEqual([]);
  });

  it('a hijacker dialling in with a connected trusted peer id and offers (no proof, its own key) changes nothing: the live transfer completes, no offer from it is taken', async () => {
    const trusted = keyWhere(startsWithOneOf('012')); // the lower id: offers are what it sends, so a hijacker's offer in its name is plausible
    const receiver = keyWhere(startsWithOneOf('def'));
    const [, h1, h2] = lan.hosts;
    const r = await runAgent(1, receiver, 'receiver', ['--accept', 'trusted', '--trust', trusted.id]);
    const big = await bigFile();
    const s = await send(0, trusted, receiver.id, [big], 'trusted-sender', 30);
    await r.p.waitFor((e) => e.event === 'transfer-progress' && (e.bytes as number) >= 8 * MiB, 60000, 'transfer under way');
    const connectedAt = r.p.events.findIndex(isState(trusted.id, 'connected'));
    expect(connectedAt).toBeGreaterThanOrEqual(0);

    const hij = track(startAttacker(h2!, 'hijack', { victimId: trusted.id, target: `${h1!.address}:${PORT}`, proofs: ['none', 'own'], offerIntervalMs: 500, durationMs: 4000 }));
    const summary = await hij.done(15000);
    process.stderr.write(`[hijack] ${JSON.stringify(summary)}\n`);
    expect(hij.of('sent-offer').length).toBeGreaterThanOrEqual(2);
    expect(BREACH.flatMap((t) => hij.of(t))).toEqual([]);

    expect(await ended(s, 90000)).toMatchObject({ event: 'transfer-complete' });
    expect(await s.exited).toBe(0);
    await r.p.waitFor((e) => e.event === 'transfer-complete', 10000, 'receiver complete');
    expect(sha256(join(r.inbox, 'big.bin'))).toBe(sha256(big));
    // The live connection never dropped while the transfer ran (the sender leaves once it is
    // done), and the only offer taken was the real one.
    const completeAt = r.p.events.findIndex((e) => e.event === 'transfer-complete');
    // The hijack attempts landed while the transfer ran.
    const hijackOffersDuring = hij.of('sent-offer').filter((l) => (l.at as number) < (r.p.events[completeAt]!.at as number)).length;
    process.stderr.write(`[hijack] ${hijackOffersDuring} forged offers while the transfer ran\n`);
    expect(hijackOffersDuring).toBeGreaterThanOrEqual(2);
    const peerStates = r.p.events.slice(connectedAt + 1, completeAt).filter((e) => e.event === 'peer-state' && e.peerId === trusted.id);
    expect(peerStates).toEqual([]);
    expect(r.p.events.filter((e) => e.event === 'transfer-offered').map((e) => e.peerId)).toEqual([trusted.id]);
    const seen = refusals(r.p);
    expect(seen).toContain('ERR_PROOF_MISSING');
    expect(seen).toContain('ERR_PROOF_KEY_MISMATCH');
    await stillServes(3, r.p, receiver.id, trusted);
  });

  it('a relay that swaps the DTLS fingerprint of an offer in transit fails the connection: the receiver refuses it with ERR_PROOF_INVALID and never answers', async () => {
    const a = keyWhere(startsWithOneOf('012')); // the initiator: its offer crosses the relay
    const b = keyWhere(startsWithOneOf('def'));
    const [h0, h1, h2] = lan.hosts;
    // No multicast between them: the only way from a to b is the attacker's relay.
    await h0!.blockMulticast(true);
    await h1!.blockMulticast(true);
    const rb = await runAgent(1, b, 'b', ['--accept', 'all']);
    const mitm = track(startAttacker(h2!, 'mitm-swap', { port: PORT, target: `${h1!.address}:${PORT}`, durationMs: 30000 }));
    await mitm.waitFor('listening', 10000);
    const ra = await runAgent(0, a, 'a', ['--accept', 'all', '--peer', `${h2!.address}:${PORT}`]);
    await mitm.waitFor('rewrote', 20000);
    const deadline = Date.now() + 15000;
    while (!refusals(rb.p).has('ERR_PROOF_INVALID') && Date.now() < deadline) await sleep(200);
    expect(refusals(rb.p)).toContain('ERR_PROOF_INVALID');
    // Give a wrongly accepted offer time to show: an answer or a connection.
    await sleep(3000);
    expect(mitm.of('relayed').filter((l) => l.from === b.id && l.kind === 'answer')).toEqual([]);
    expect(ra.p.events.filter(isState(b.id, 'connected'))).toEqual([]);
    expect(rb.p.events.filter(isState(a.id, 'connected'))).toEqual([]);
    mitm.kill();
    await h1!.blockMulticast(false);
    await stillServes(3, rb.p, b.id);
    expect(ra.p.child.exitCode).toBeNull();
  });

  it('forged mDNS goodbyes and forged cache-flush addresses for both ends during a 200 MiB transfer change nothing: it completes verified, nobody is removed or redirected', async () => {
    const sKey = keyWhere();
    const rKey = keyWhere();
    const [h0, h1] = lan.hosts;
    const r = await runAgent(1, rKey, 'receiver', ['--accept', 'all']);
    const big = await bigFile();
    const s = await send(0, sKey, rKey.id, [big], 'sender', 30, PORT);
    await r.p.waitFor((e) => e.event === 'transfer-progress' && (e.bytes as number) >= 4 * MiB, 60000, 'transfer under way');

    // All at once: goodbyes (TTL 0, the victim's own records) and cache-flush records moving
    // each end to an attacker's address, for the sender (heard by the receiver) and the receiver.
    const forged = (mode: string, host: number, options: Record<string, unknown>): FixtureProcess =>
      track(startAttacker(lan.hosts[host]!, mode, { address: lan.hosts[host]!.address, count: 3, intervalMs: 250, ...options }));
    const goodbyes = [
      forged('forged-goodbye', 2, { victimId: sKey.id, victimName: 'sender', victimAddress: h0!.address, victimPort: PORT }),
      forged('forged-goodbye', 3, { victimId: rKey.id, victimName: 'receiver', victimAddress: h1!.address, victimPort: PORT }),
    ];
    const redirects = [
      forged('forged-address', 2, { victimId: sKey.id, victimName: 'sender', port: PORT + 1, lingerMs: 1000 }),
      forged('forged-address', 3, { victimId: rKey.id, victimName: 'receiver', port: PORT + 1, lingerMs: 1000 }),
    ];
    await Promise.all([...goodbyes, ...redirects].map((g) => g.done(10000)));
    const lastForgedAt = Math.max(...[...goodbyes, ...redirects].flatMap((g) => [...g.of('sent-goodbye'), ...g.of('sent-address')].map((l) => l.at as number)));
    expect(goodbyes.flatMap((g) => g.of('sent-goodbye'))).toHaveLength(6);
    expect(redirects.flatMap((g) => g.of('sent-address'))).toHaveLength(6);

    expect(await ended(s, 90000)).toMatchObject({ event: 'transfer-complete' });
    expect(await s.exited).toBe(0);
    const complete = await r.p.waitFor((e) => e.event === 'transfer-complete', 10000, 'receiver complete');
    process.stderr.write(`[forged] last forged record ${((complete.at as number) - lastForgedAt) / 1000} s before the transfer completed\n`);
    expect(lastForgedAt).toBeLessThan(complete.at as number);
    expect(sha256(join(r.inbox, 'big.bin'))).toBe(sha256(big));
    // Until the end of the transfer (after it the sender leaves, as it should): nobody removed,
    // no connection lost.
    const whileRunning = (p: AgentProcess): AgentEvent[] => p.events.slice(0, p.events.findIndex((e) => e.event === 'transfer-complete'));
    expect(whileRunning(r.p).filter((e) => e.event === 'peer-removed' && e.peerId === sKey.id)).toEqual([]);
    expect(whileRunning(s).filter((e) => e.event === 'peer-removed' && e.peerId === rKey.id)).toEqual([]);
    expect(whileRunning(r.p).filter(isState(sKey.id, 'not-connected'))).toEqual([]);
    expect(whileRunning(s).filter(isState(rKey.id, 'not-connected'))).toEqual([]);
    // Nobody dialled the forged address.
    expect(redirects.flatMap((g) => g.of('inbound'))).toEqual([]);
    await stillServes(2, r.p, rKey.id);
  });

  it('run --accept trusted (trust added with `fileshare-agent trust add`) takes the trusted peer file and declines a stranger and a same-name look-alike', async () => {
    const trusted = keyWhere();
    const stranger = keyWhere();
    const lookalike = keyWhere();
    const receiver = keyWhere();
    const state = await stateOf(receiver);
    const added = await promisify(execFile)(process.execPath, [AGENT_MAIN, 'trust', 'add', trusted.id, '--name', 'Work Laptop', '--state-dir', state, '--json']);
    expect(added.stdout).toContain(trusted.id);
    const r = await runAgent(1, receiver, 'receiver', ['--accept', 'trusted'], state);

    const files = { trusted: await fileOf('from-trusted.txt', 1000), stranger: await fileOf('from-stranger.txt', 1000), lookalike: await fileOf('from-lookalike.txt', 1000) };
    const [t, x, l] = [
      await send(0, trusted, receiver.id, [files.trusted], 'Work Laptop', 30),
      await send(2, stranger, receiver.id, [files.stranger], 'someone', 30),
      await send(3, lookalike, receiver.id, [files.lookalike], 'work laptop', 30),
    ];
    expect(await ended(t, 40000)).toMatchObject({ event: 'transfer-complete' });
    expect(await t.exited).toBe(0);
    for (const p of [x, l]) {
      expect(await ended(p, 40000)).toMatchObject({ event: 'transfer-failed', code: 'ERR_TRANSFER_DECLINED' });
      expect(await p.exited).toBe(4);
    }
    expect((await readdir(r.inbox)).filter((n) => !n.startsWith('.fileshare'))).toEqual(['from-trusted.txt']);
    const offers = r.p.events.filter((e) => e.event === 'transfer-offered');
    expect(offers.find((e) => e.peerId === trusted.id)).toMatchObject({ trusted: true });
    expect(offers.find((e) => e.peerId === stranger.id)).toMatchObject({ trusted: false });
    expect(offers.find((e) => e.peerId === lookalike.id)).toMatchObject({ trusted: false, lookalikeOf: trusted.id });
  });

  describe('floods: an honest peer keeps working, the agent stays bounded and gives memory back', () => {
    // The flooded agent has a low id, so it is the one that dials the fake mDNS peers (most ids
    // are higher). Two honest peers: one with a lower id (it offers, so it must dial in: what idle
    // connections could lock out) and one with a higher id (the flooded agent must offer to it:
    // what a queue full of fake or hello-only peers could starve).
    const rKey = keyWhere((id) => id[0] === '1');
    const honestLow = keyWhere((id) => id[0] === '0');
    const honestHigh = keyWhere((id) => id[0] === 'f');
    let r: AgentProcess;
    let rPid: number;
    let bystander: FixtureProcess;
    const honestState = new Map<string, string>();
    let payload: string;

    beforeAll(async () => {
      const inbox = await folder('flood-inbox');
      r = startAgent(lan.hosts[1]!, ['run', '--json', '--verbose', '--port', String(PORT), '--name', 'flooded', '--accept', 'all', '--state-dir', await stateOf(rKey), '--dir', inbox]);
      await r.ready();
      rPid = r.child.pid!;
      bystander = startAttacker(lan.hosts[3]!, 'bystander', { port: PORT, durationMs: 600000 });
      await bystander.waitFor('listening', 10000);
      for (const key of [honestLow, honestHigh]) honestState.set(key.id, await stateOf(key));
      payload = await fileOf('honest.bin', 4 * MiB);
      // Warm up: the first connections load the WebRTC stack; the baselines come after them.
      for (const result of await Promise.all([honestTransfer(honestLow), honestTransfer(honestHigh)])) expect(result.exit).toBe(0);
    });
    afterAll(async () => {
      r?.kill('SIGKILL');
      bystander?.kill();
      await Promise.all([r?.exited, bystander?.exited]);
    });

    /** An honest peer (a fresh `send` on host 0) sends 4 MiB: its exit code and the time from start to exit. */
    async function honestTransfer(key: TestKey): Promise<{ exit: number | null; ms: number; why?: string; offersBetween: number }> {
      const started = Date.now();
      const logMark = r.stderrLines.length;
      const s = startAgent(lan.hosts[0]!, ['send', '--json', '--verbose', '--port', '0', '--name', `honest-${key.id.slice(0, 1)}`, '--state-dir', honestState.get(key.id)!, '--to', rKey.id, '--timeout', '20', payload]);
      agents.push(s);
      const exit = await s.exited;
      const error = s.events.find((e) => e.event === 'error' || e.event === 'transfer-failed');
      const why = exit === 0 ? undefined : error ? `${String(error.code)}: ${String(error.message)}` : s.stderr.slice(-1500);
      // Offers between the two (whichever side initiates): 0 means the initiator never got to this peer.
      const offersBetween = s.logMatching(new RegExp(`"message":"sending offer".*"${rKey.id}"`)).length + r.logMatching(new RegExp(`"message":"sending offer".*"${key.id}"`), logMark).length;
      return { exit, ms: Date.now() - started, ...(why !== undefined ? { why } : {}), offersBetween };
    }

    const dialsFrom = (address: string, from = 0): number => bystander.of('connection').slice(from).filter((l) => l.from === address).length;

    /**
     * Runs one flood: the baseline, the attack with both honest peers sending during it, then the
     * wait for memory to come back. Prints the measured numbers (a JSON line) before asserting.
     */
    async function measure(name: string, attack: () => FixtureProcess[], honestAfterMs: number, settleMs = 0): Promise<Record<string, unknown>> {
      expect(r.child.exitCode).toBeNull();
      await sleep(500);
      const before = rssMb(rPid)!;
      const sampler = new RssSampler(rPid);
      const logMark = r.stderrLines.length;
      const eventMark = r.events.length;
      const dialMark = bystander.of('connection').length;
      const started = Date.now();
      try {
        const floods = attack().map(track);
        await sleep(honestAfterMs);
        const [low, high] = await Promise.all([honestTransfer(honestLow), honestTransfer(honestHigh)]);
        const summaries = await Promise.all(floods.map((f) => f.done(60000)));
        const floodMs = Date.now() - started;
        await sleep(Math.max(0, settleMs - floodMs));
        // After the flood: memory must come back within 50 MB of the baseline.
        let after = sampler.sample();
        const waitUntil = Date.now() + 45000;
        while (after > before + 50 && Date.now() < waitUntil) {
          await sleep(500);
          after = sampler.sample();
        }
        const events = r.events.slice(eventMark);
        const discovered = new Set(events.filter((e) => e.event === 'peer-discovered' && e.peerId !== honestLow.id && e.peerId !== honestHigh.id).map((e) => e.peerId));
        const removed = new Set(events.filter((e) => e.event === 'peer-removed').map((e) => e.peerId));
        const result = {
          flood: name,
          attacker: summaries.map(({ type: _type, at: _at, ...rest }) => rest),
          rssMb: { before: Math.round(before), peak: Math.round(sampler.peak), after: Math.round(after) },
          afterMs: Date.now() - started,
          offersSentByAgent: r.logMatching(/"message":"sending offer"/, logMark).length,
          bystanderDialsByAgent: dialsFrom(lan.hosts[1]!.address, dialMark),
          bystanderDialsByHonestSenders: dialsFrom(lan.hosts[0]!.address, dialMark),
          peersListed: [...discovered].filter((id) => !removed.has(id)).length,
          honestLowerId: low,
          honestHigherId: high,
          // Whether the flooded agent listed the higher-id honest peer (the one it must offer to).
          agentListedHonestHigher: events.some((e) => e.event === 'peer-discovered' && e.peerId === honestHigh.id),
        };
        console.log(JSON.stringify(result));
        expect({ honestLowerIdExit: low.exit, honestHigherIdExit: high.exit }).toEqual({ honestLowerIdExit: 0, honestHigherIdExit: 0 });
        // "Within seconds": a fresh `send` (node start, discovery, connection, 4 MiB, verified)
        // takes about 3 s here without a flood; 10 s allows for a loaded machine, not for a
        // wait behind a queue of the attacker's peers (an answer timeout alone is 10 s).
        expect(low.ms).toBeLessThan(10000);
        expect(high.ms).toBeLessThan(10000);
        expect(after - before).toBeLessThanOrEqual(50);
        expect(r.child.exitCode).toBeNull();
        return result;
      } finally {
        sampler.stop();
      }
    }

    it('idle connections with valid hellos (64 from each of two hosts, held) lock out neither honest peer', async () => {
      const target = `${lan.hosts[1]!.address}:${PORT}`;
      const result = await measure(
        'idle',
        () => [2, 3].map((h) => startAttacker(lan.hosts[h]!, 'flood-idle', { target, count: 64, gapMs: 15, holdMs: 12000 })),
        2500,
      );
      expect(result.peersListed).toBe(0);
      // At most 8 inbound connections per remote address are kept.
      for (const a of result.attacker as { openAfterSetup: number }[]) expect(a.openAfterSetup).toBeLessThanOrEqual(8);
    });

    it('a hello flood (3000 distinct ids) lists none of them and leaves both honest peers working', async () => {
      const result = await measure(
        'hellos',
        () => [startAttacker(lan.hosts[2]!, 'flood-hellos', { target: `${lan.hosts[1]!.address}:${PORT}`, count: 3000, concurrency: 16, timeoutMs: 2000, durationMs: 10000 })],
        2000,
      );
      expect(result.peersListed).toBe(0);
      expect(result.bystanderDialsByAgent).toBe(0);
    });

    it('an offer flood (fresh keys, valid proofs) stays bounded and leaves both honest peers working', async () => {
      const result = await measure(
        'offers',
        () => [startAttacker(lan.hosts[2]!, 'flood-offers', { target: `${lan.hosts[1]!.address}:${PORT}`, targetId: rKey.id, count: 1500, concurrency: 8, timeoutMs: 3000, durationMs: 12000 })],
        3000,
      );
      expect(result.bystanderDialsByAgent).toBe(0);
    });

    it('an mDNS flood (3000 fake peers pointing at a bystander) costs bounded offers, no dial storm at the bystander, and leaves both honest peers working', async () => {
      const result = await measure(
        'mdns',
        () => [startAttacker(lan.hosts[2]!, 'flood-mdns', { sourceAddress: lan.hosts[2]!.address, count: 3000, address: lan.hosts[3]!.address, port: PORT, perPacket: 4, durationMs: 3000 })],
        2000,
        // Count the bystander's dials over 20 s from the start of the flood.
        20000,
      );
      // At most 16 initiator attempts at once, each waiting 10 s for an answer: dozens of dials
      // in 20 s, where the unbounded agent made 1 087 in 11 s.
      expect(result.bystanderDialsByAgent as number).toBeLessThanOrEqual(100);
      expect(result.peersListed as number).toBeLessThanOrEqual(1024);
    });
  });
});
