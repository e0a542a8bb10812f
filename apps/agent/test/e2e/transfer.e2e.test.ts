import { afterAll, afterEach, beforeAll, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { createLan, describeLan, waitForOutput, type Lan } from '@fileshare/lan';
import {
  type AgentEvent,
  type AgentProcess,
  FIXTURES,
  MiB,
  isState,
  onJsonLines,
  randomFile,
  sha256,
  startAgent,
  tempDir,
} from './support.js';

/** Every file and folder under `root`, relative, with a hash for files: the tree as a user sees it. */
async function snapshot(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(root, path);
      if (rel.startsWith('.fileshare')) continue; // partial-data bookkeeping is not part of the tree
      if (entry.isDirectory()) {
        out[`${rel}/`] = 'dir';
        await walk(path);
      } else {
        out[rel] = await sha256(path);
      }
    }
  };
  await walk(root);
  return out;
}

describeLan('send files between agents on the LAN rig', () => {
  let lan: Lan;
  let work: { path: string; remove(): Promise<void> };
  let agents: AgentProcess[] = [];
  let counter = 0;

  beforeAll(async () => {
    lan = await createLan({ hosts: 3 });
    work = await tempDir('transfer');
  });
  afterAll(async () => {
    await lan?.close();
    await work?.remove();
  });
  afterEach(async () => {
    for (const a of agents) a.kill('SIGKILL');
    await Promise.all(agents.map((a) => a.exited));
    agents = [];
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

  const completeOn = (p: AgentProcess, timeoutMs: number): Promise<AgentEvent> =>
    p.waitFor((e) => e.event === 'transfer-complete' || e.event === 'transfer-failed' || e.event === 'error', timeoutMs, 'transfer end');

  it('a 256 MiB random file and a folder tree (nested, unicode, empty file, empty folder) arrive verified; the sender exits 0', async () => {
    const source = await folder('source');
    const big = join(source, 'big.bin');
    await randomFile(big, 256 * MiB);
    const tree = join(source, 'tree');
    await mkdir(join(tree, 'a', 'b', 'c'), { recursive: true });
    await mkdir(join(tree, 'ünïcödé 日本'), { recursive: true });
    await mkdir(join(tree, 'empty folder'), { recursive: true });
    await writeFile(join(tree, 'a', 'b', 'c', 'deep.txt'), 'deep\n');
    await writeFile(join(tree, 'ünïcödé 日本', 'fïlé 📄.txt'), 'unicode\n');
    await writeFile(join(tree, 'empty.bin'), '');
    await randomFile(join(tree, 'a', 'medium.bin'), 3 * MiB + 17);

    const inbox = await folder('inbox');
    const r = await receiver(1, await folder('state-r'), inbox);
    const s = send(0, await folder('state-s'), r.id, [big, tree]);
    const offered = await s.waitFor((e) => e.event === 'transfer-offered', 60000, 'offer');
    const done = await completeOn(s, 120000);
    expect(done).toMatchObject({ event: 'transfer-complete' });
    expect(await s.exited).toBe(0);
    const seconds = ((done.at as number) - (offered.at as number)) / 1000;
    const total = offered.totalBytes as number;
    process.stderr.write(`[transfer] ${(total / MiB).toFixed(1)} MiB in ${seconds.toFixed(2)} s = ${(total / 1e6 / seconds).toFixed(1)} MB/s (offer to verified, host 0 -> host 1)\n`);

    await r.process.waitFor((e) => e.event === 'transfer-complete', 10000, 'receiver complete');
    const sent = await snapshot(source);
    expect(await snapshot(inbox)).toEqual(sent);
    expect(sent['tree/empty folder/']).toBe('dir');
    expect(sent['tree/ünïcödé 日本/fïlé 📄.txt']).toBeDefined();
    // The sender's report carries the receiver-verified hashes.
    const reported = Object.fromEntries((done.files as { path: string; sha256: string }[]).map((f) => [f.path, f.sha256]));
    expect(reported['big.bin']).toBe(sent['big.bin']);
  });

  it('a receiver killed halfway through resumes: the second send completes verified and sends well under the whole file', async () => {
    const source = await folder('resume-src');
    const big = join(source, 'resume.bin');
    const size = 256 * MiB;
    await randomFile(big, size);
    const inbox = await folder('resume-inbox');
    const receiverState = await folder('resume-state-r');
    const senderState = await folder('resume-state-s');

    const first = await receiver(1, receiverState, inbox);
    const s1 = send(0, senderState, first.id, [big]);
    await first.process.waitFor((e) => e.event === 'transfer-progress' && (e.bytes as number) >= size / 2, 90000, 'half way');
    first.process.kill('SIGKILL');
    await first.process.exited;
    expect(await s1.exited).not.toBe(0); // the sender saw the receiver vanish and says so

    const second = await receiver(1, receiverState, inbox);
    expect(second.id).toBe(first.id);
    const s2 = send(0, senderState, second.id, [big]);
    const done = await completeOn(s2, 120000);
    expect(done).toMatchObject({ event: 'transfer-complete' });
    expect(await s2.exited).toBe(0);
    const bytesTransferred = done.bytesTransferred as number;
    const resumedBytes = done.resumedBytes as number;
    process.stderr.write(`[resume] second run sent ${(bytesTransferred / MiB).toFixed(1)} MiB of ${size / MiB} MiB (resumed from ${(resumedBytes / MiB).toFixed(1)} MiB)\n`);
    expect(resumedBytes).toBeGreaterThan(size / 4);
    expect(bytesTransferred).toBeLessThan(size * 0.75);
    expect(await sha256(join(inbox, 'resume.bin'))).toBe(await sha256(big));
    expect((await stat(join(inbox, 'resume.bin'))).size).toBe(size);
  });

  it('two senders to one receiver at the same time both complete', async () => {
    const inbox = await folder('two-inbox');
    const r = await receiver(1, await folder('two-state-r'), inbox);
    const fromA = join(await folder('two-a'), 'from-a.bin');
    const fromC = join(await folder('two-c'), 'from-c.bin');
    await randomFile(fromA, 48 * MiB);
    await randomFile(fromC, 48 * MiB);
    const a = send(0, await folder('two-state-a'), r.id, [fromA]);
    const c = send(2, await folder('two-state-c'), r.id, [fromC]);
    // Both were running at once: each side's offer came before the other's completion.
    const [offerA, offerC] = await Promise.all([a, c].map((p) => p.waitFor((e) => e.event === 'transfer-offered', 60000, 'offer')));
    const [doneA, doneC] = await Promise.all([completeOn(a, 120000), completeOn(c, 120000)]);
    expect(doneA).toMatchObject({ event: 'transfer-complete' });
    expect(doneC).toMatchObject({ event: 'transfer-complete' });
    expect(offerA!.at as number).toBeLessThan(doneC.at as number);
    expect(offerC!.at as number).toBeLessThan(doneA.at as number);
    expect(await a.exited).toBe(0);
    expect(await c.exited).toBe(0);
    expect(await sha256(join(inbox, 'from-a.bin'))).toBe(await sha256(fromA));
    expect(await sha256(join(inbox, 'from-c.bin'))).toBe(await sha256(fromC));
    expect(r.process.events.filter((e) => e.event === 'transfer-complete')).toHaveLength(2);
  });

  it('a folder of 5000 small files arrives whole, and a slow reader of the JSON events still gets the last line whole (stdout is flushed before exit)', async () => {
    const source = await folder('many');
    const tree = join(source, 'many');
    const expected: Record<string, string> = {};
    for (let i = 0; i < 5000; i++) {
      const sub = `d${Math.floor(i / 100)}`;
      if (i % 100 === 0) await mkdir(join(tree, sub), { recursive: true });
      const data = randomBytes(i % 7 === 0 ? 0 : (i * 37) % 2048);
      await writeFile(join(tree, sub, `f${i}.bin`), data);
      expected[`${sub}/f${i}.bin`] = createHash('sha256').update(data).digest('hex');
    }
    const inbox = await folder('many-inbox');
    const r = await receiver(1, await folder('many-state-r'), inbox);
    const s = send(0, await folder('many-state-s'), r.id, [tree]);
    await s.waitFor((e) => e.event === 'transfer-offered', 60000, 'offer');
    // A script that is slow to read the events: the last line (the whole file list, ~500 KB) is
    // more than the pipe holds, so the sender must wait for the reader before it exits; exiting
    // with the rest still queued would cut the line. The reader pauses until the sender exits or
    // has clearly waited (3 s after the receiver verified everything).
    s.child.stdout!.pause();
    expect(await completeOn(r.process, 120000)).toMatchObject({ event: 'transfer-complete' });
    await Promise.race([new Promise((resolveExit) => s.child.once('exit', resolveExit)), new Promise((resolveWait) => setTimeout(resolveWait, 3000))]);
    s.child.stdout!.resume();
    expect(await s.exited).toBe(0);
    const done = await completeOn(s, 1000);
    expect(done).toMatchObject({ event: 'transfer-complete' });
    const listed = done.files as { path: string; sha256: string }[];
    expect(Object.fromEntries(listed.map((f) => [f.path.slice('many/'.length), f.sha256]))).toEqual(expected);
    const received = await snapshot(join(inbox, 'many'));
    expect(Object.fromEntries(Object.entries(received).filter(([k]) => !k.endsWith('/')))).toEqual(expected);
  });

  it('send --text delivers a message that the receiver prints as a text-received event', async () => {
    const inbox = await folder('text-inbox');
    const r = await receiver(1, await folder('text-state-r'), inbox);
    const text = 'hello from host 0 — ünïcödé ✓\nsecond line';
    const s = agent(0, ['send', '--json', '--to', r.id, '--text', text, '--name', 'text-sender', '--state-dir', await folder('text-state-s')]);
    expect(await s.exited).toBe(0);
    const received = await r.process.waitFor((e) => e.event === 'text-received', 10000, 'text');
    expect(received.text).toBe(text);
    expect(received.peerName).toBe('text-sender');
  });

  it('a receiver with --accept none declines: the sender exits 4 and nothing is written', async () => {
    const inbox = await folder('decline-inbox');
    const process = agent(1, ['run', '--json', '--accept', 'none', '--dir', inbox, '--state-dir', await folder('decline-state-r')]);
    const id = await process.deviceId();
    const file = join(await folder('decline-src'), 'unwanted.txt');
    await writeFile(file, 'no thanks');
    const s = send(0, await folder('decline-state-s'), id, [file]);
    const end = await completeOn(s, 60000);
    expect(end).toMatchObject({ event: 'transfer-failed', code: 'ERR_TRANSFER_DECLINED' });
    expect(await s.exited).toBe(4);
    expect(Object.keys(await snapshot(inbox))).toEqual([]);
    expect(process.events.some(isState(s.events.find((e) => e.event === 'ready')!.deviceId as string, 'connected'))).toBe(true);
  });

  it('hostile offers from a raw WebRTC peer write nothing outside the receive folder, and the receiver goes on serving', async () => {
    const inbox = await folder('hostile-inbox');
    const outside = await folder('hostile-outside');
    await symlink(outside, join(inbox, 'escape'));
    const absolute = join(outside, 'absolute.txt');
    const port = 47100;
    const receiverProcess = agent(1, ['run', '--json', '--accept', 'all', '--port', String(port), '--dir', inbox, '--state-dir', await folder('hostile-state')]);
    await receiverProcess.deviceId();
    const offers = [
      '../x.txt',
      'a/../../x.txt',
      absolute,
      'nul\u0000x.txt',
      'bell\u0007x.txt',
      'back\\..\\x.txt',
      'C:/x.txt',
      'CON',
      'escape/x.txt',
      'ok.txt',
    ].map((path) => ({ path, content: `from a stranger: ${path}\n` }));
    const hostile = lan.hosts[0]!.spawn(process.execPath, [join(FIXTURES, 'hostile-sender.mjs'), lan.hosts[1]!.address, String(port), JSON.stringify(offers)]);
    const results: { path: string; outcome: string; code?: string; savedAs?: string }[] = [];
    onJsonLines(hostile, (line) => {
      if (line.type === 'result') results.push(line as (typeof results)[number]);
    });
    try {
      await waitForOutput(hostile, /"type":"done"/, { timeoutMs: 60000 });
    } finally {
      hostile.kill('SIGKILL');
    }
    expect(results.map((r) => r.path)).toEqual(offers.map((o) => o.path));
    for (const r of results.slice(0, 8)) expect({ path: r.path, outcome: r.outcome, code: r.code }).toEqual({ path: r.path, outcome: 'decline', code: 'ERR_TRANSFER_UNSAFE_PATH' });
    // Through the symlink: refused, or written beside it under a new name, never through it.
    const viaLink = results[8]!;
    if (viaLink.outcome === 'complete') expect(viaLink.savedAs).not.toMatch(/^escape\//);
    else expect(viaLink.outcome).toBe('decline');
    expect(results[9]).toMatchObject({ outcome: 'complete', savedAs: 'ok.txt' });
    expect(await readdir(outside)).toEqual([]);
    await expect(access(absolute)).rejects.toThrow();
    await expect(access(join(work.path, 'x.txt'))).rejects.toThrow();
    // Still serving: the receiver process is alive and reported the good file.
    await receiverProcess.waitFor((e) => e.event === 'transfer-complete', 10000, 'ok.txt received');
    expect(receiverProcess.child.exitCode).toBeNull();
  });
});
