import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLan, describeLan, type Lan } from '@fileshare/lan';
import { AGENT_MAIN, AgentProcess, type AgentEvent, MiB, randomFile, sha256, tempDir } from './support.js';

/**
 * The verbs operators use every day, on one 3-host LAN: two receivers (`run --accept all` on
 * hosts 1 and 2) stay up for the whole file; host 0 lists, sends, pipes, and runs a daemon.
 */
const run = promisify(execFile);

describeLan('everyday agent verbs on the LAN rig', () => {
  let lan: Lan;
  let work: { path: string; remove(): Promise<void> };
  const running: AgentProcess[] = [];
  let counter = 0;
  const receivers: { id: string; inbox: string; process: AgentProcess }[] = [];
  let senderState: string;

  const log = (line: string): void => void process.stderr.write(`[everyday] ${line}\n`);
  // One tmux server of our own for the terminal test (never a user's).
  const tmuxSocket = `fs-everyday-${process.pid}-${randomBytes(3).toString('hex')}`;
  let tmuxPath: string | undefined;
  const tmux = async (...args: string[]): Promise<string> => (await run('tmux', ['-L', tmuxSocket, ...args])).stdout;

  /** Polls the terminal until `pattern` is on it; fails with the last screen. */
  async function screenMatching(pattern: RegExp, timeoutMs = 30000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = await tmux('capture-pane', '-p', '-J', '-t', 'ask');
      if (pattern.test(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`the terminal never showed ${String(pattern)}; it shows:\n${screen}`);
      await new Promise((wait) => setTimeout(wait, 100));
    }
  }

  async function folder(name: string): Promise<string> {
    const path = join(work.path, `${name}-${counter++}`);
    await mkdir(path, { recursive: true });
    return path;
  }

  /** The built agent on a rig host; `stdout` keeps its raw output for the readable (non-JSON) checks. */
  function agent(host: number, args: string[], env?: NodeJS.ProcessEnv): AgentProcess & { stdout: () => string } {
    const child = lan.hosts[host]!.spawn(process.execPath, [AGENT_MAIN, ...args], env ? { env: { ...process.env, ...env } } : {});
    let raw = '';
    child.stdout?.on('data', (chunk: string) => (raw += chunk));
    const started = Object.assign(new AgentProcess(lan.hosts[host]!, child), { stdout: () => raw });
    running.push(started);
    return started;
  }

  const completeFrom = (r: { process: AgentProcess }, peerId: string, path: string, timeoutMs = 30000): Promise<AgentEvent> =>
    r.process.waitFor(
      (e) => e.event === 'transfer-complete' && e.peerId === peerId && (e.files as { path: string }[]).some((f) => f.path === path),
      timeoutMs,
      `${path} complete`,
    );

  const results = (p: AgentProcess): AgentEvent[] => p.events.filter((e) => e.event === 'send-result');

  /** Its exit code, with what it said when it is not the one expected (so a failure explains itself). */
  async function expectExit(p: AgentProcess, code: number): Promise<void> {
    const exited = await p.exited;
    if (exited !== code) {
      const said = p.events.filter((e) => e.event === 'error' || e.event === 'transfer-failed' || e.event === 'send-result');
      throw new Error(`exit ${exited}, expected ${code}; events ${JSON.stringify(said)}; stderr:\n${p.stderr.slice(-3000)}`);
    }
  }

  beforeAll(async () => {
    lan = await createLan({ hosts: 3 });
    work = await tempDir('everyday');
    senderState = await folder('state-sender');
    for (const host of [1, 2]) {
      const inbox = await folder(`inbox-${host}`);
      const process = agent(host, ['run', '--json', '--accept', 'all', '--name', `receiver-${host}`, '--dir', inbox, '--state-dir', await folder(`state-${host}`)]);
      receivers.push({ id: await process.deviceId(), inbox, process });
    }
  });
  afterAll(async () => {
    await tmux('kill-server').catch(() => undefined);
    // The server ran in the host's namespace and may leave its socket file behind.
    if (tmuxPath !== undefined) await rm(tmuxPath, { force: true });
    for (const a of running) a.kill('SIGKILL');
    await Promise.all(running.map((a) => a.exited));
    await lan?.close();
    await work?.remove();
  });

  it('peers --json lists the other hosts with address, state and proof, and exits 0', async () => {
    const started = Date.now();
    const list = agent(0, ['peers', '--json', '--state-dir', senderState, '--name', 'lister']);
    await expectExit(list, 0);
    log(`peers (default --wait 3) took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const peers = list.events.filter((e) => e.event === 'peer');
    expect(list.events.every((e) => e.event === 'peer')).toBe(true);
    for (const [i, r] of receivers.entries()) {
      expect(peers.find((p) => p.peerId === r.id)).toMatchObject({
        name: `receiver-${i + 1}`,
        address: lan.hosts[i + 1]!.address,
        port: expect.any(Number),
        state: 'connected',
        verified: true,
        trusted: false,
      });
    }
  });

  it('send with a missing path exits 2 at once, naming it, without starting a node or reaching anyone', async () => {
    const missing = join(work.path, 'no-such-report.pdf');
    const started = Date.now();
    const s = agent(0, ['send', '--json', '--to', receivers[0]!.id, '--timeout', '30', '--state-dir', senderState, missing]);
    await expectExit(s, 2);
    const seconds = (Date.now() - started) / 1000;
    log(`missing path: exit 2 after ${seconds.toFixed(2)} s (process start included)`);
    // Far below the 30 s --timeout; that no node started shows in the output: no `ready`.
    expect(seconds).toBeLessThan(10);
    expect(s.stderr).toContain(`cannot send ${missing}: no such file or folder`);
    expect(s.events.map((e) => e.event)).toEqual(['error']);
    expect(s.events[0]).toMatchObject({ code: 'ERR_SOURCE_INVALID', path: missing });
    expect(receivers[0]!.process.events.some((e) => e.event === 'transfer-offered' && (e.files as { path: string }[]).some((f) => f.path === 'no-such-report.pdf'))).toBe(false);
  });

  it('send --to A --to B sends to both at once: both verified, one send-result line each, exit 0', async () => {
    const file = join(await folder('multi'), 'both.bin');
    await randomFile(file, 2 * MiB);
    const s = agent(0, ['send', '--json', '--to', receivers[0]!.id, '--to', receivers[1]!.id, '--timeout', '20', '--state-dir', senderState, file]);
    await expectExit(s, 0);
    const sender = s.events.find((e) => e.event === 'ready')!.deviceId as string;
    // One line per peer, as each finished (so in either order).
    const lines = results(s).map((r) => [r.to, r.peerId, r.ok, r.exitCode, r.files]);
    expect(lines.sort()).toEqual(receivers.map((r) => [r.id, r.id, true, 0, 1]).sort());
    for (const r of receivers) {
      await completeFrom(r, sender, 'both.bin');
      expect(await sha256(join(r.inbox, 'both.bin'))).toBe(await sha256(file));
    }
  });

  it('a receiver that is not there: the others still get it at once; exit 3 (the first failed --to), said per peer', async () => {
    const file = join(await folder('partly'), 'partly.txt');
    await writeFile(file, 'for whoever is there\n');
    // The absent one first: were the peers served one after the other, the present one would
    // only get it after the 8 s wait for the absent one.
    const s = agent(0, ['send', '--to', 'nobody-here', '--to', receivers[0]!.id, '--timeout', '8', '--state-dir', senderState, file]);
    await expectExit(s, 3);
    const exitAt = Date.now();
    const arrived = await receivers[0]!.process.waitFor((e) => e.event === 'transfer-complete' && (e.files as { path: string }[]).some((f) => f.path === 'partly.txt'), 1000, 'partly.txt');
    log(`present receiver verified ${((exitAt - (arrived.at as number)) / 1000).toFixed(1)} s before the send gave up on the absent one`);
    expect(arrived.at as number).toBeLessThan(exitAt - 3000);
    expect(s.stdout()).toMatch(/^sent 1 file, 21 B to receiver-1 \([0-9a-f]{8}\); receiver verified every SHA-256$/m);
    expect(s.stderr).toMatch(/not sent to nobody-here: No peer called "nobody-here" appeared within 8 s\. \[ERR_PEER_NOT_FOUND\] \(exit 3\)/);
    expect(s.stderr).toContain('1 of 2 receivers got everything; exit 3 (that of the first failed --to, nobody-here)');
    expect(await readFile(join(receivers[0]!.inbox, 'partly.txt'), 'utf8')).toBe('for whoever is there\n');
  });

  it('receive --once takes one transfer, checks it, and exits 0; the file on disk is the one sent', async () => {
    const inbox = await folder('once-inbox');
    const once = agent(2, ['receive', '--once', '--json', '--accept', 'all', '--name', 'once-2', '--dir', inbox, '--state-dir', await folder('once-state')]);
    const id = await once.deviceId();
    const file = join(await folder('once-src'), 'once.bin');
    await randomFile(file, 3 * MiB + 5);
    const s = agent(0, ['send', '--json', '--to', id, '--timeout', '20', '--state-dir', senderState, file]);
    await expectExit(once, 0);
    await expectExit(s, 0);
    expect(once.events.filter((e) => e.event === 'transfer-complete')).toHaveLength(1);
    expect(await sha256(join(inbox, 'once.bin'))).toBe(await sha256(file));
  });

  it('receive --once on a terminal asks about the offer (who, code, files); y accepts and it exits 0', async () => {
    const inbox = await folder('asked-inbox');
    const state = await folder('asked-state');
    const command = `${process.execPath} ${AGENT_MAIN} receive --once --name asker --dir ${inbox} --state-dir ${state}; echo "exit=$?"; sleep 600`;
    const made = await lan.hosts[2]!.exec('tmux', ['-L', tmuxSocket, 'new-session', '-d', '-s', 'ask', '-x', '220', '-y', '50', command]);
    expect(made.code).toBe(0);
    tmuxPath = (await tmux('display-message', '-p', '#{socket_path}')).trim();
    const id = /ready: asker \(([0-9a-f]{32})\)/.exec(await screenMatching(/ready: asker \([0-9a-f]{32}\)/))![1]!;
    const file = join(await folder('asked-src'), 'asked.txt');
    await writeFile(file, 'may I?\n');
    const s = agent(0, ['send', '--json', '--to', id, '--timeout', '20', '--name', 'sender-0', '--state-dir', senderState, file]);
    const asked = await screenMatching(/Accept\? \[y\]es, \[n\]o, \[t\]rust/);
    const code = (await s.waitFor((e) => e.event === 'peer-verified' && e.peerId === id, 10000, 'code')).verificationCode as string;
    // The code on the prompt is the one the sender shows: what the person compares before `t`.
    expect(asked).toMatch(new RegExp(`Offer from sender-0 \\([0-9a-f]{8}\\), verification code ${code}`));
    expect(asked).toMatch(/1 file, 7 B in all:\n {4}asked\.txt {2}7 B/);
    await tmux('send-keys', '-t', 'ask', 'y', 'Enter');
    await screenMatching(/exit=0/);
    await expectExit(s, 0);
    expect(await readFile(join(inbox, 'asked.txt'), 'utf8')).toBe('may I?\n');
  });

  it('send - --as NAME sends stdin as a file (its spool removed); --text - sends stdin as text, reported as text', async () => {
    const data = randomBytes(300 * 1024 + 7);
    const spoolRoot = await folder('tmp');
    const piped = agent(0, ['send', '--json', '--to', receivers[0]!.id, '--timeout', '20', '--state-dir', senderState, '-', '--as', 'piped.bin'], { TMPDIR: spoolRoot });
    piped.child.stdin!.end(data);
    await expectExit(piped, 0);
    const sender = piped.events.find((e) => e.event === 'ready')!.deviceId as string;
    await completeFrom(receivers[0]!, sender, 'piped.bin');
    expect(await sha256(join(receivers[0]!.inbox, 'piped.bin'))).toBe(createHash('sha256').update(data).digest('hex'));
    expect(await readdir(spoolRoot)).toEqual([]);

    const text = 'from a pipe — ünïcödé ✓\nsecond line\n';
    const said = agent(0, ['send', '--to', receivers[0]!.id, '--timeout', '20', '--state-dir', senderState, '--text', '-']);
    said.child.stdin!.end(text);
    await expectExit(said, 0);
    expect(said.stdout()).toMatch(new RegExp(`^sent text \\(${[...text].length} characters\\) to receiver-1 \\([0-9a-f]{8}\\); receiver confirmed$`, 'm'));
    expect(said.stdout()).not.toMatch(/file\(s\)|0 files/);
    const received = await receivers[0]!.process.waitFor((e) => e.event === 'text-received' && e.text === text, 10000, 'the piped text');
    expect(received.peerId).toBe(sender);
  });

  it('send and peers next to a running daemon use its identity; its --accept none says once how to accept', async () => {
    const state = await folder('daemon-state');
    const daemonInbox = await folder('daemon-inbox');
    const daemon = agent(0, ['run', '--json', '--name', 'daemon-0', '--dir', daemonInbox, '--state-dir', state]);
    const daemonId = await daemon.deviceId();
    await daemon.waitFor((e) => e.event === 'control-socket', 10000, 'control socket');

    const file = join(await folder('daemon-src'), 'via-daemon.txt');
    await writeFile(file, 'sent by the daemon\n');
    const s = agent(0, ['send', '--json', '--to', receivers[0]!.id, '--timeout', '20', '--state-dir', state, file]);
    await expectExit(s, 0);
    expect(s.events.find((e) => e.event === 'ready')).toMatchObject({ deviceId: daemonId, controlSocket: join(state, 'agent.sock') });
    expect(results(s)).toEqual([expect.objectContaining({ peerId: receivers[0]!.id, ok: true, exitCode: 0 })]);
    // The receiver saw the daemon's device, not a second one with a temporary id.
    expect((await completeFrom(receivers[0]!, daemonId, 'via-daemon.txt')).peerId).toBe(daemonId);
    expect(receivers[0]!.process.events.some((e) => e.event === 'warning' && e.code === 'WARN_EPHEMERAL_IDENTITY')).toBe(false);

    const listed = agent(0, ['peers', '--state-dir', state]);
    await expectExit(listed, 0);
    expect(listed.stdout()).toMatch(new RegExp(`receiver-1 +${receivers[0]!.id} +${lan.hosts[1]!.address.replace(/\./g, '\\.')}:\\d+ +connected, verified`));

    // Two offers to the daemon (default --accept none): both declined (exit 4), one hint.
    for (const round of [1, 2]) {
      const offer = join(await folder('to-daemon'), `offer-${round}.txt`);
      await writeFile(offer, 'hello daemon\n');
      const toDaemon = agent(1, ['send', '--json', '--to', daemonId, '--timeout', '20', '--state-dir', await folder('state-offerer'), offer]);
      await expectExit(toDaemon, 4);
    }
    const hints = daemon.events.filter((e) => e.event === 'warning' && e.code === 'WARN_ACCEPT_NONE');
    expect(hints).toHaveLength(1);
    expect(hints[0]!.command).toBe(`fileshare-agent run --accept trusted --state-dir ${state} --dir ${daemonInbox}`);
    expect(daemon.stderr).toMatch(/--accept all\|trusted\|ask/);
  });
});
