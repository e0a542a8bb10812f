import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { createLan, describeLan, waitForOutput, type Lan } from '@fileshare/lan';
import { TmuxPane } from '../support/tmux.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const TUI = join(ROOT, 'apps/tui/dist/main.js');
const AGENT = join(ROOT, 'apps/agent/dist/main.js');
const SESSION = 'tui';

const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

describeLan('fileshare TUI on a two-host LAN', () => {
  let lan: Lan;
  let work: string;
  // One tmux server per run, so parallel runs and a user's own tmux are never touched.
  const pane = new TmuxPane('fs-tui-e2e', SESSION);
  const { tmux, keys, type, waitForScreen } = pane;
  const children: ChildProcess[] = [];



  beforeAll(async () => {
    lan = await createLan({ hosts: 2 });
    work = await mkdtemp(join(tmpdir(), 'tui-e2e-'));
  });


  afterAll(async () => {
    await pane.close();
    for (const child of children) child.kill('SIGKILL');
    await lan?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('sends a file chosen with the keys to an agent, and accepts one from it', async () => {
    const [tuiHost, agentHost] = lan.hosts as [Lan['hosts'][number], Lan['hosts'][number]];
    const dirs = Object.fromEntries(
      await Promise.all(
        ['tui-recv', 'tui-state', 'agent-recv', 'agent-state', 'sender-state', 'outbox'].map(async (d) => {
          await mkdir(join(work, d));
          return [d, join(work, d)] as const;
        }),
      ),
    );
    const outgoing = join(dirs.outbox!, 'from-tui.bin');
    const incoming = join(dirs.outbox!, 'from-agent.bin');
    await writeFile(outgoing, randomBytes(3 * 1024 * 1024 + 17));
    await writeFile(incoming, randomBytes(1024 * 1024 + 5));

    const agent = agentHost.spawn(process.execPath, [AGENT, 'run', '--json', '--name', 'e2e-agent', '--dir', dirs['agent-recv']!, '--accept', 'all', '--state-dir', dirs['agent-state']!]);
    children.push(agent);
    await waitForOutput(agent, /"event":"ready"/, { timeoutMs: 20000 });

    // The shell records the exit status (128+n after a signal), which tmux 3.3 does not report.
    await pane.start(tuiHost, `${process.execPath} ${TUI} --name e2e-tui --dir ${dirs['tui-recv']} --state-dir ${dirs['tui-state']} 2>${join(work, 'tui-stderr.txt')}; echo $? >${join(work, 'tui-exit.txt')}`, { columns: 100, rows: 30 });

    // 1. The agent shows up as connected, by itself.
    await waitForScreen(/› ● connected +e2e-agent/);

    // 2. enter on it, type the path, enter adds it, enter on the empty line sends.
    await keys('Enter');
    await waitForScreen(/Send to e2e-agent/);
    await type(outgoing);
    await waitForScreen((s) => s.includes(`Path › ${outgoing}`));
    await keys('Enter');
    await waitForScreen(/Chosen \(1\)/);
    await keys('Enter');
    await waitForOutput(agent, /"event":"transfer-complete"/, { timeoutMs: 60000 });
    expect(await sha256(join(dirs['agent-recv']!, 'from-tui.bin'))).toBe(await sha256(outgoing));
    await waitForScreen(/✓ verified +↑ from-tui\.bin to e2e-agent/);

    // 3. The full device id is on the help screen; a second agent sends to it.
    await keys('?');
    const help = await waitForScreen(/Device id +[0-9a-f]{32}/);
    const tuiId = /Device id +([0-9a-f]{32})/.exec(help)![1]!;
    await keys('Escape');
    await waitForScreen(/Peers \(/);

    const sender = agentHost.spawn(process.execPath, [AGENT, 'send', '--to', tuiId, incoming, '--json', '--name', 'e2e-sender', '--state-dir', dirs['sender-state']!]);
    children.push(sender);
    const senderExit = new Promise<number | null>((resolve) => sender.once('exit', (code) => resolve(code)));

    const prompt = await waitForScreen(/Incoming offer/, 60000);
    expect(prompt).toMatch(/From e2e-sender/);
    expect(prompt).toMatch(/Id +[0-9a-f]{32}/);
    expect(prompt).toMatch(/from-agent\.bin +1\.05 MB/);
    await keys('a');
    expect(await senderExit).toBe(0);
    await waitForScreen(/✓ verified +↓ from-agent\.bin from e2e-sender/);
    expect(await sha256(join(dirs['tui-recv']!, 'from-agent.bin'))).toBe(await sha256(incoming));

    // 4. An 80x24 terminal still shows the whole main screen without wrapped lines.
    await tmux('resize-window', '-t', SESSION, '-x', '80', '-y', '24');
    const small = await waitForScreen((s) => s.split('\n')[0]!.startsWith('fileshare  e2e-tui') && s.includes('History (2)'));
    for (const line of small.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);

    // 5. q quits cleanly: exit status 0, and the node said goodbye on mDNS.
    await keys('q');
    const exitFile = join(work, 'tui-exit.txt');
    const deadline = Date.now() + 15000;
    let status = '';
    while (Date.now() < deadline) {
      status = (await readFile(exitFile, 'utf8').catch(() => '')).trim();
      if (status !== '') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Nothing but terminal control sequences on stderr: no warning, no stack trace.
    const stderr = (await readFile(join(work, 'tui-stderr.txt'), 'utf8')).replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
    expect({ status, stderr }).toEqual({ status: '0', stderr: '' });
    await waitForOutput(agent, /"event":"peer-removed".*"reason":"goodbye"/, { timeoutMs: 10000 });
  });
});
