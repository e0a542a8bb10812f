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
const SESSION = 'tui-input';
const COLUMNS = 60;
const ROWS = 24;

const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');
/** The screen's words in order, so a sentence is found however it wrapped (box borders dropped). */
const words = (screen: string) => screen.replace(/[│║╭╮╰╯╔╗╚╝═─]/g, ' ').replace(/\s+/g, ' ').trim();
/** The path line's text; an empty line shows a dimmed example. */
const pathLine = (screen: string) => (/Path › (.*)$/m.exec(screen)?.[1] ?? '').replace(/\s*e\.g\. ~\/Documents\/report\.pdf$/, '').trimEnd();

describeLan('fileshare TUI input and layout at 60x24, on a two-host LAN', () => {
  let lan: Lan;
  let work: string;
  let dirs: Record<'tuiRecv' | 'tuiState' | 'agentRecv' | 'agentState' | 'senderState' | 'outbox', string>;
  let agentHost: Lan['hosts'][number];
  let agent: ChildProcess;
  // One tmux server per run, so parallel runs and a user's own tmux are never touched.
  const pane = new TmuxPane('fs-tui-input', SESSION);
  const { keys, type, paste, waitForScreen } = pane;
  const children: ChildProcess[] = [];



  beforeAll(async () => {
    lan = await createLan({ hosts: 2 });
    const [tuiHost, other] = lan.hosts as [Lan['hosts'][number], Lan['hosts'][number]];
    agentHost = other;
    work = await mkdtemp(join(tmpdir(), 'tin-'));
    const made = await Promise.all(
      (['tuiRecv', 'tuiState', 'agentRecv', 'agentState', 'senderState', 'outbox'] as const).map(async (d) => {
        await mkdir(join(work, d));
        return [d, join(work, d)] as const;
      }),
    );
    dirs = Object.fromEntries(made) as typeof dirs;

    agent = agentHost.spawn(process.execPath, [AGENT, 'run', '--json', '--name', 'desk', '--dir', dirs.agentRecv, '--accept', 'all', '--state-dir', dirs.agentState]);
    children.push(agent);
    await waitForOutput(agent, /"event":"ready"/, { timeoutMs: 20000 });

    await pane.start(tuiHost, `${process.execPath} ${TUI} --name e2e-tui --dir ${dirs.tuiRecv} --state-dir ${dirs.tuiState} 2>${join(work, 'tui-stderr.txt')}`, { columns: COLUMNS, rows: ROWS });
    await waitForScreen(/› ● connected +desk/);
  });

  afterAll(async () => {
    await pane.close();
    for (const child of children) child.kill('SIGKILL');
    await lan?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('edits the path line with ctrl+w, ctrl+a, ctrl+k and ctrl+u', async () => {
    await keys('Enter');
    await waitForScreen(/Send to desk/);
    await type('/nope/one/two');
    await waitForScreen((s) => pathLine(s) === '/nope/one/two');
    await keys('C-w');
    await waitForScreen((s) => pathLine(s) === '/nope/one/');
    await keys('C-a');
    await type('X');
    await waitForScreen((s) => pathLine(s) === 'X/nope/one/');
    await keys('C-k');
    await waitForScreen((s) => pathLine(s) === 'X');
    await keys('C-u');
    await waitForScreen((s) => pathLine(s) === '' && s.includes('e.g. ~/Documents/report.pdf'));
  });

  it('takes a dropped path in quotes and one with escaped spaces, and sends both', async () => {
    const quoted = join(dirs.outbox, 'My File.txt');
    const escaped = join(dirs.outbox, 'second copy.bin');
    await writeFile(quoted, randomBytes(2 * 1024 * 1024 + 3));
    await writeFile(escaped, randomBytes(512 * 1024 + 1));

    // GNOME Terminal's drop: single quotes and a trailing space; the path lands on the line.
    await paste(`'${quoted}' `);
    await waitForScreen((s) => pathLine(s) === quoted);
    await keys('Enter');
    await waitForScreen(/Chosen \(1\)/);
    // macOS Terminal's drop, as a whole line: added at once.
    await paste(`${escaped.replaceAll(' ', '\\ ')}\n`);
    const chosen = await waitForScreen(/Chosen \(2\)/);
    expect(chosen).toContain(`+ ${quoted}`);
    expect(chosen).toContain(`+ ${escaped}`);
    await keys('Enter');
    await waitForOutput(agent, /"event":"transfer-complete"/, { timeoutMs: 60000 });
    expect(await sha256(join(dirs.agentRecv, 'My File.txt'))).toBe(await sha256(quoted));
    expect(await sha256(join(dirs.agentRecv, 'second copy.bin'))).toBe(await sha256(escaped));
    await waitForScreen(/✓ verified/);
  });

  it('announces an offer that arrives while the send dialog is open in a whole banner; esc answers it, the dialog comes back', async () => {
    await keys('?');
    const help = await waitForScreen(/Device id +[0-9a-f]{32}/);
    const tuiId = /Device id +([0-9a-f]{32})/.exec(help)![1]!;
    await keys('Escape');
    await waitForScreen(/Peers \(/);

    await keys('Enter');
    await waitForScreen(/Send to desk/);
    await type('ab');
    await waitForScreen((s) => pathLine(s) === 'ab');

    const incoming = join(dirs.outbox, 'from-agent.bin');
    await writeFile(incoming, randomBytes(1024 * 1024 + 5));
    const sender = agentHost.spawn(process.execPath, [AGENT, 'send', '--to', tuiId, incoming, '--json', '--name', 'e2e-sender', '--state-dir', dirs.senderState]);
    children.push(sender);
    const senderExit = new Promise<number | null>((resolve) => sender.once('exit', (code) => resolve(code)));

    const banner = await waitForScreen(/Incoming offer/, 60000);
    const text = words(banner);
    expect(text).toContain('▶ Incoming offer: e2e-sender wants to send from-agent.bin, 1.05 MB.');
    expect(text).toContain('Press esc to answer it now; your chosen paths are kept and come back after.');
    expect(banner.indexOf('Incoming offer')).toBeLessThan(banner.indexOf('Send to desk'));
    expect(pathLine(banner)).toBe('ab');

    await keys('Escape');
    const prompt = await waitForScreen(/a accept/);
    expect(words(prompt)).toContain('t trust: always accept from e2e-sender');
    expect(words(prompt)).toContain('Your send to desk is kept: it comes back once you answered.');
    await keys('a');
    expect(await senderExit).toBe(0);
    const back = await waitForScreen(/Send to desk/);
    expect(pathLine(back)).toBe('ab');
    expect(await sha256(join(dirs.tuiRecv, 'from-agent.bin'))).toBe(await sha256(incoming));
    await keys('Escape');
    await waitForScreen(/Peers \(/);
  });

  it('c asks before cancelling a running transfer: n keeps it, y cancels it', async () => {
    const big = join(dirs.outbox, 'big.bin');
    const chunk = randomBytes(1024 * 1024);
    await writeFile(big, Buffer.concat(Array.from({ length: 48 }, () => chunk)));
    // A lossy link keeps the transfer running long enough to ask about it.
    await agentHost.setLoss(30);
    try {
      await keys('Enter');
      await waitForScreen(/Send to desk/);
      await type(big);
      await keys('Enter');
      await waitForScreen(/Chosen \(1\)/);
      await keys('Enter');
      await waitForScreen(/big\.bin to desk[\s\S]*\d+%/, 60000);

      await keys('c');
      let asked = await waitForScreen(/Cancel sending/);
      expect(words(asked)).toMatch(/Cancel sending big\.bin to desk \([\d.]+ \w?B of 50\.3 MB done\)\? y cancels it, n or esc keeps it going\./);
      await keys('n');
      asked = await waitForScreen(/goes on/);
      expect(asked).not.toContain('Cancel sending');
      expect(asked).toMatch(/big\.bin to desk/);

      await keys('c');
      await waitForScreen(/Cancel sending/);
      await keys('y');
      const done = await waitForScreen(/⊘ cancelled/, 30000);
      expect(done).toMatch(/big\.bin/);
    } finally {
      await agentHost.setLoss(0);
    }
  });
});
