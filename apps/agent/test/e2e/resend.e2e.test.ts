import { afterAll, afterEach, beforeAll, expect, it } from '@jest/globals';
import { chmod, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { createLan, describeLan, waitForOutput, type Lan } from '@fileshare/lan';
import { AGENT_MAIN, type AgentEvent, AgentProcess, MiB, randomFile, sha256, startAgent, tempDir } from './support.js';

/** Every file and folder under `root` with its hash (files) and permission bits: what a user sees, bookkeeping included. */
async function tree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(root, path);
      if (entry.isDirectory()) {
        out[`${rel}/`] = 'dir';
        await walk(path);
      } else {
        out[rel] = `${((await stat(path)).mode & 0o7777).toString(8)} ${await sha256(path)}`;
      }
    }
  };
  await walk(root);
  return out;
}

const isEnd = (e: AgentEvent): boolean => e.event === 'transfer-complete' || e.event === 'transfer-failed' || e.event === 'error';
type Reported = { path: string; alreadyThere?: boolean };

describeLan('re-sending and file modes between agents on the LAN rig', () => {
  let lan: Lan;
  let work: { path: string; remove(): Promise<void> };
  let agents: AgentProcess[] = [];
  let counter = 0;

  beforeAll(async () => {
    lan = await createLan({ hosts: 2 });
    work = await tempDir('resend');
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

  /** A receiving agent on host 1 under `umask`, optionally with the hold-`complete` test hook (see @fileshare/core test-hooks.ts). */
  function receiver(state: string, inbox: string, umask: string, holdComplete = false): AgentProcess {
    const args = ['run', '--json', '--accept', 'all', '--dir', inbox, '--state-dir', state, '--name', 'receiver'];
    const env = { ...process.env, ...(holdComplete ? { FILESHARE_TEST_HOLD_COMPLETE: '1' } : {}) };
    const child = lan.hosts[1]!.spawn('/bin/sh', ['-c', `umask ${umask} && exec "$0" "$@"`, process.execPath, AGENT_MAIN, ...args], { env });
    const agent = new AgentProcess(lan.hosts[1]!, child);
    agents.push(agent);
    return agent;
  }

  function send(state: string, to: string, paths: string[]): AgentProcess {
    const agent = startAgent(lan.hosts[0]!, ['send', '--json', '--to', to, '--timeout', '30', '--state-dir', state, '--name', 'sender', ...paths]);
    agents.push(agent);
    return agent;
  }

  const reportedFiles = (e: AgentEvent): [string, boolean][] => (e.files as Reported[]).map((f) => [f.path, f.alreadyThere === true]);

  it('permission bits arrive (a 0755 script, a 0640 file, a setuid tool without setuid, under umask 022); sending the folder again reports every file already there: nothing sent, no copy', async () => {
    const source = await folder('source');
    const kit = join(source, 'kit');
    await mkdir(kit);
    await writeFile(join(kit, 'run.sh'), '#!/bin/sh\necho hello\n');
    await chmod(join(kit, 'run.sh'), 0o755);
    await writeFile(join(kit, 'notes.txt'), 'private notes\n');
    await chmod(join(kit, 'notes.txt'), 0o640);
    await writeFile(join(kit, 'tool'), 'pretend binary\n');
    await chmod(join(kit, 'tool'), 0o4755);
    await writeFile(join(kit, 'empty'), '');
    await chmod(join(kit, 'empty'), 0o644);
    await randomFile(join(kit, 'data.bin'), MiB + 7);
    await chmod(join(kit, 'data.bin'), 0o644);
    const total = 21 + 14 + 15 + 0 + MiB + 7;

    const inbox = await folder('inbox');
    const r = receiver(await folder('state-r'), inbox, '022');
    const id = (await r.ready()).deviceId as string;
    const senderState = await folder('state-s');
    const first = send(senderState, id, [kit]);
    expect(await first.waitFor(isEnd, 90000, 'first transfer end')).toMatchObject({ event: 'transfer-complete', bytesTransferred: total });
    expect(await first.exited).toBe(0);
    const received = await r.waitFor((e) => e.event === 'transfer-complete', 10000, 'receiver complete');
    expect(received.files).toHaveLength(5);

    const got = await tree(inbox);
    expect(got['kit/run.sh']).toMatch(/^755 /);
    expect(got['kit/notes.txt']).toMatch(/^640 /);
    expect(got['kit/tool']).toMatch(/^755 /); // the setuid bit never travels
    expect(got['kit/empty']).toMatch(/^644 /);
    // Nothing pending once complete: no `.fileshare-partial` left among the user's files.
    expect(Object.keys(got).sort()).toEqual(['kit/', 'kit/data.bin', 'kit/empty', 'kit/notes.txt', 'kit/run.sh', 'kit/tool']);

    const second = send(senderState, id, [kit]);
    const again = await second.waitFor(isEnd, 90000, 'second transfer end');
    expect(again).toMatchObject({ event: 'transfer-complete', bytesTransferred: 0, resumedBytes: total });
    expect(reportedFiles(again)).toEqual(['data.bin', 'empty', 'notes.txt', 'run.sh', 'tool'].map((n) => [`kit/${n}`, true]));
    expect(await second.exited).toBe(0);
    for (const side of [second, r]) {
      expect(side.events.find((e) => e.event === 'transfer-started' && e.transferId === again.transferId)).toMatchObject({ totalBytes: total, resumeFromBytes: total, alreadyThereFiles: 5 });
    }
    const receivedAgain = await r.waitFor((e) => e.event === 'transfer-complete' && e.transferId === again.transferId, 10000, 'receiver complete again');
    expect(reportedFiles(receivedAgain).every(([, there]) => there)).toBe(true);
    // No `(1)` copies, nothing rewritten (modes and contents as before).
    expect(await tree(inbox)).toEqual(got);
  });

  it('the receiver killed after verifying everything, before "complete" reached the sender: a re-send finishes at once without a second copy', async () => {
    const source = await folder('docs-src');
    const docs = join(source, 'docs');
    await mkdir(docs);
    await writeFile(join(docs, 'a.txt'), 'alpha\n');
    await writeFile(join(docs, 'empty.txt'), '');
    await writeFile(join(docs, 'run.sh'), '#!/bin/sh\n');
    await chmod(join(docs, 'run.sh'), 0o755);
    await randomFile(join(docs, 'b.bin'), 2 * MiB);
    await chmod(join(docs, 'b.bin'), 0o644);
    const inbox = await folder('docs-inbox');
    const receiverState = await folder('docs-state-r');
    const senderState = await folder('docs-state-s');

    // Test hook (no timing can hit this window reliably): the receiver verifies, places and
    // records every file, says so on stderr, and holds back `complete` until it is killed.
    const r1 = receiver(receiverState, inbox, '027', true);
    const holding = waitForOutput(r1.child, /FILESHARE_TEST_HOLD_COMPLETE/, { stream: 'stderr', timeoutMs: 90000 });
    const id = (await r1.ready()).deviceId as string;
    const s1 = send(senderState, id, [docs]);
    await holding;
    r1.kill('SIGKILL');
    s1.kill('SIGKILL');
    await Promise.all([r1.exited, s1.exited]);
    expect(s1.events.some((e) => e.event === 'transfer-complete')).toBe(false);
    expect(r1.events.some((e) => e.event === 'transfer-complete')).toBe(false);
    const placed = await tree(inbox);
    expect(Object.keys(placed).sort()).toEqual(['.fileshare-partial/', 'docs/', 'docs/a.txt', 'docs/b.bin', 'docs/empty.txt', 'docs/run.sh']);
    expect(placed['docs/run.sh']).toMatch(/^750 /); // 0755 less umask 027

    const r2 = receiver(receiverState, inbox, '027');
    expect((await r2.ready()).deviceId).toBe(id);
    const s2 = send(senderState, id, [docs]);
    const done = await s2.waitFor(isEnd, 90000, 're-send end');
    expect(done).toMatchObject({ event: 'transfer-complete', bytesTransferred: 0, resumedBytes: 2 * MiB + 6 + 10 });
    expect(reportedFiles(done)).toEqual(['a.txt', 'b.bin', 'empty.txt', 'run.sh'].map((n) => [`docs/${n}`, true]));
    expect(await s2.exited).toBe(0);
    await r2.waitFor((e) => e.event === 'transfer-complete', 10000, 'receiver complete');
    // The same files, once each; the partial-data folder the killed receiver left is gone.
    const after = await tree(inbox);
    expect(after).toEqual(Object.fromEntries(Object.entries(placed).filter(([k]) => !k.startsWith('.fileshare-partial'))));
    expect(after['docs/b.bin']).toBe(`640 ${await sha256(join(docs, 'b.bin'))}`);
  });
});
