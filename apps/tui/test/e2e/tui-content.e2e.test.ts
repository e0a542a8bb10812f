import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { createLan, describeLan, waitForOutput, type Lan } from '@fileshare/lan';
import { TmuxPane } from '../support/tmux.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const TUI = join(ROOT, 'apps/tui/dist/main.js');
const AGENT = join(ROOT, 'apps/agent/dist/main.js');
const SESSION = 'content';
const MiB = 1024 * 1024;
const BIG_BYTES = 128 * MiB;

const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');
/** What a wrapped notice says, as one line. */
const flat = (screen: string) => screen.replace(/\s+/g, ' ');

/**
 * Messages, the persistent history and resume, over the real thing: the built TUI in tmux on one
 * host of the LAN rig, agents on the other. The steps share one TUI (and its state folder) and run
 * in order.
 */
describeLan('fileshare TUI: messages, history and resume on a two-host LAN', () => {
  let lan: Lan;
  let work: string;
  let dirs: Record<'tuiRecv' | 'tuiState' | 'agentRecv' | 'agentState' | 'senderState' | 'outbox', string>;
  let tuiId = '';
  // One tmux server per run, so parallel runs and a user's own tmux are never touched.
  const pane = new TmuxPane('fs-tui-content-e2e', SESSION);
  const { tmux, keys, type, waitForScreen } = pane;
  const children: ChildProcess[] = [];
  let agent: ChildProcess;
  let runs = 0;

  const hosts = () => lan.hosts as [Lan['hosts'][number], Lan['hosts'][number]];


  /** Starts the TUI (again) on the first host with the same folders; no desktop, as over ssh. */
  async function startTui(): Promise<string> {
    runs++;
    const exitFile = join(work, `tui-exit-${runs}.txt`);
    await pane.start(hosts()[0], `env -u DISPLAY -u WAYLAND_DISPLAY ${process.execPath} ${TUI} --name e2e-tui --dir ${dirs.tuiRecv} --state-dir ${dirs.tuiState} 2>${join(work, `tui-stderr-${runs}.txt`)}; echo $? >${exitFile}`, { columns: 100, rows: 32 });
    // Lets the TUI's OSC 52 reach tmux's paste buffers, as a user enables copying from programs.
    await tmux('set-option', '-s', 'set-clipboard', 'on');
    return exitFile;
  }

  async function quitTui(exitFile: string): Promise<void> {
    await keys('q');
    const deadline = Date.now() + 15000;
    let status = '';
    while (Date.now() < deadline && status === '') {
      status = (await readFile(exitFile, 'utf8').catch(() => '')).trim();
      if (status === '') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe('0');
  }

  /** An agent on the second host sending to the TUI with a fixed identity (resume needs the same sender). */
  function sendFromAgent(args: string[]): { child: ChildProcess; exited: Promise<number | null> } {
    const child = hosts()[1].spawn(process.execPath, [AGENT, 'send', '--to', tuiId, '--json', '--name', 'e2e-sender', '--state-dir', dirs.senderState, ...args]);
    children.push(child);
    return { child, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  }

  let exitFile = '';

  beforeAll(async () => {
    lan = await createLan({ hosts: 2 });
    work = await mkdtemp(join(tmpdir(), 'tui-content-e2e-'));
    const names = ['tuiRecv', 'tuiState', 'agentRecv', 'agentState', 'senderState', 'outbox'] as const;
    dirs = Object.fromEntries(names.map((n) => [n, join(work, n)])) as typeof dirs;
    for (const d of Object.values(dirs)) await mkdir(d);
    agent = hosts()[1].spawn(process.execPath, [AGENT, 'run', '--json', '--name', 'e2e-agent', '--dir', dirs.agentRecv, '--accept', 'all', '--state-dir', dirs.agentState]);
    children.push(agent);
    await waitForOutput(agent, /"event":"ready"/, { timeoutMs: 20000 });
    exitFile = await startTui();
    await waitForScreen(/● connected +e2e-agent/);
    // The full device id (for the agents' --to) is on the help screen.
    await keys('?');
    tuiId = /Device id +([0-9a-f]{32})/.exec(await waitForScreen(/Device id +[0-9a-f]{32}/))![1]!;
    await keys('Escape');
    await waitForScreen(/Peers \(/);
  });

  afterAll(async () => {
    await pane.close();
    for (const child of children) child.kill('SIGKILL');
    await lan?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('m writes a message (alt+enter starts a new line) and enter sends it: the agent receives that text', async () => {
    await keys('m');
    await waitForScreen(/Message to e2e-agent/);
    await type('hello from the tui');
    await keys('M-Enter');
    await type('second line');
    await waitForScreen(/› hello from the tui[\s\S]*second line/);
    await keys('Enter');
    await waitForOutput(agent, /"event":"text-received".*"text":"hello from the tui\\nsecond line"/, { timeoutMs: 30000 });
    await waitForScreen(/✓ verified +↑ a message to e2e-agent/);
  });

  it('a long text from an agent is shown in full by scrolling; c copies it to the clipboard and saves it to a file', async () => {
    const text = Array.from({ length: 80 }, (_, i) => `line ${i + 1}: ${'the quick brown fox '.repeat(1 + (i % 4))}`.trimEnd()).join('\n');
    const sender = sendFromAgent(['--text', text]);
    await waitForScreen(/Incoming offer/, 60000);
    await keys('a');
    let shown = await waitForScreen(/Message from e2e-sender/);
    expect(shown).toContain('line 1: the quick brown fox');
    expect(shown).not.toContain('line 80:');
    await keys('End');
    shown = await waitForScreen(/line 80: the quick brown fox the quick brown fox the quick brown fox the quick brown fox/);
    expect(shown).toMatch(/lines \d+-\d+ of \d+ · the end/);
    expect(await sender.exited).toBe(0);

    await keys('c');
    shown = await waitForScreen((s) => flat(s).includes('saved to'));
    const saved = (await readdir(dirs.tuiRecv)).filter((n) => /^text-\d{8}-\d{6}(-\d+)?\.txt$/.test(n));
    expect(saved).toHaveLength(1);
    const path = join(dirs.tuiRecv, saved[0]!);
    expect(flat(shown)).toContain(`saved to ${path}`);
    expect(await readFile(path, 'utf8')).toBe(text);
    // OSC 52 reached the terminal: tmux made it a paste buffer.
    expect(await tmux('show-buffer')).toBe(text);
    await keys('Enter');
    await waitForScreen(/✓ verified +↓ a message from e2e-sender/);
  });

  it('a transfer cut off and sent again says "resuming from" on both sides; sent once more, it is "already there"', async () => {
    const big = join(dirs.outbox, 'big.bin');
    await writeFile(big, randomBytes(BIG_BYTES));

    const first = sendFromAgent([big]);
    await waitForScreen(/Incoming offer/, 60000);
    await keys('a');
    // Cut it off a fifth of the way in, as a crash or a pulled cable would.
    await waitForScreen((s) => {
      const m = /↓ big\.bin from e2e-sender[^\n]*\n\s*[█░]+\s+(\d+)%/.exec(s);
      return m !== null && Number(m[1]) >= 20;
    }, 60000);
    first.child.kill('SIGKILL');
    await waitForScreen(/✗ failed +↓ big\.bin from e2e-sender/, 60000);

    const second = sendFromAgent([big]);
    await waitForScreen(/Incoming offer/, 60000);
    await keys('a');
    const resuming = await waitForScreen(/↓ big\.bin from e2e-sender \([0-9a-f]{8}\) · 134 MB · resuming from \d/, 60000);
    const from = /resuming from ([\d.]+ MB)/.exec(resuming)![1]!;
    // The sender says the same.
    const started = JSON.parse(await waitForOutput(second.child, /"event":"transfer-started"/, { timeoutMs: 30000 })) as { resumeFromBytes: number };
    expect(started.resumeFromBytes).toBeGreaterThan(BIG_BYTES / 10);
    expect(await second.exited).toBe(0);
    await waitForScreen(new RegExp(`✓ verified +↓ big\\.bin from e2e-sender · resumed from ${from.replace('.', '\\.')}`));
    expect(await sha256(join(dirs.tuiRecv, 'big.bin'))).toBe(await sha256(big));

    const third = sendFromAgent([big]);
    await waitForScreen(/Incoming offer/, 60000);
    await keys('a');
    expect(await third.exited).toBe(0);
    await waitForScreen(/✓ verified +↓ big\.bin from e2e-sender · already there/);
    // No second copy was made.
    expect((await readdir(dirs.tuiRecv)).filter((n) => n.startsWith('big'))).toEqual(['big.bin']);
  });

  it('the history survives a restart; enter on an entry says where it landed when no file manager can open', async () => {
    await quitTui(exitFile);
    const historyFile = join(dirs.tuiState, 'history.jsonl');
    expect((await stat(historyFile)).mode & 0o777).toBe(0o600);

    exitFile = await startTui();
    // Read from the file: nothing was sent or received in this run yet.
    const restarted = await waitForScreen(/History \([1-9]/);
    for (const line of [/✓ verified +↓ big\.bin from e2e-sender · already there/, /✓ verified +↓ big\.bin from e2e-sender · resumed from/, /✗ failed +↓ big\.bin from e2e-sender/, /✓ verified +↓ a message from e2e-sender/]) {
      expect(restarted).toMatch(line);
    }
    await waitForScreen(/● connected +e2e-agent/);
    await keys('Tab');
    const chosen = await waitForScreen(/enter or o open its folder/);
    expect(flat(chosen)).toMatch(new RegExp(`received from e2e-sender \\([0-9a-f]{32}\\)`));
    await keys('Enter');
    const said = flat(await waitForScreen((s) => flat(s).includes('The folder is')));
    expect(said).toContain(`Cannot open a file manager: no graphical desktop here (DISPLAY and WAYLAND_DISPLAY are not set). The folder is ${dirs.tuiRecv}`);
    await quitTui(exitFile);
    const stderr = (await readFile(join(work, `tui-stderr-${runs}.txt`), 'utf8')).replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
    expect(stderr).toBe('');
  });
});
