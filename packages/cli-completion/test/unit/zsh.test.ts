import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { completionScript } from '../../src/index.js';
import { sampleProgram } from './sample-program.js';

// zsh completes only in an interactive shell with its line editor, so these tests type into a
// real zsh in tmux and read the screen, as a person would see it.
// tools/setup/system-deps.sh (run by `npm test`) installs zsh and tmux.

let dir: string;
const session = 'zsh';
// A tmux server of its own, so other tmux users on the machine cannot disturb these tests.
const socket = `cli-completion-zsh-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', session);

beforeAll(async () => {
  for (const [tool, args] of [['zsh', ['-c', 'true']], ['tmux', ['-V']]] as const) {
    try {
      execFileSync(tool, args, { stdio: 'ignore' });
    } catch {
      throw new Error(`${tool} is not installed; tools/setup/system-deps.sh installs it (npm test runs it first, as root).`);
    }
  }
  dir = mkdtempSync(join(tmpdir(), 'cli-completion-zsh-'));
  writeFileSync(join(dir, '_sample.zsh'), completionScript(sampleProgram(), 'zsh'));
  writeFileSync(join(dir, '.zshrc'), `autoload -U compinit && compinit -u -d ${dir}/.zcompdump\nsource ${dir}/_sample.zsh\nPS1='READY> '\n`);
  mkdirSync(join(dir, 'work', 'inbox'), { recursive: true });
  writeFileSync(join(dir, 'work', 'report.pdf'), 'x');
  tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '30', `cd ${dir}/work && ZDOTDIR=${dir} exec zsh -i`);
  // A key pressed while .zshrc runs (compinit takes a while the first time) would interrupt it.
  await until((t) => t.includes('READY>'), 'the first prompt', 15000);
});

afterAll(() => {
  tmux('kill-server');
  rmSync(dir, { recursive: true, force: true });
});

async function until(check: (text: string) => boolean, what: string, withinMs = 5000): Promise<string> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const text = screen();
    if (check(text)) return text;
    if (Date.now() > deadline) throw new Error(`${what} never showed; the screen:\n${text}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Types `line` on a fresh prompt, presses Tab `tabs` times, returns the screen from the prompt. */
async function typeAndTab(line: string, tabs = 1): Promise<string> {
  tmux('send-keys', '-t', session, 'C-c');
  tmux('send-keys', '-t', session, 'clear', 'Enter');
  await until((t) => t.trimStart().startsWith('READY>') && t.trim() === 'READY>', 'a clear prompt');
  tmux('send-keys', '-t', session, '-l', line);
  // The screen has no trailing blanks where nothing was drawn yet.
  await until((t) => t.includes(`READY> ${line.trimEnd()}`), 'the typed line');
  for (let i = 0; i < tabs; i++) tmux('send-keys', '-t', session, 'Tab');
  // Completion has happened once the screen shows more than the line as typed.
  return until((t) => t.trimEnd() !== `READY> ${line.trimEnd()}`, 'a completion');
}

describe('zsh completion generated from a commander program', () => {
  it('completes a command name', async () => {
    expect(await typeAndTab('sample ru')).toMatch(/READY> sample run\b/);
  });

  it('lists commands with their descriptions', async () => {
    const text = await typeAndTab('sample ');
    expect(text).toMatch(/send\s+-- send files/);
    expect(text).toMatch(/trust\s+-- edit trusted devices/);
  });

  it('completes an option of the command and then its choices', async () => {
    expect(await typeAndTab('sample run --acc')).toContain('READY> sample run --accept=');
    const text = await typeAndTab('sample run --accept=', 1);
    expect(text).toMatch(/all\s+none\s+trusted/);
  });

  it('completes folders for a folder option and files for paths', async () => {
    expect(await typeAndTab('sample run --dir ')).toContain('READY> sample run --dir inbox/');
    expect(await typeAndTab('sample send --to x rep')).toContain('READY> sample send --to x report.pdf');
  });
});
