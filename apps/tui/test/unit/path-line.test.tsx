import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { NodeEvent } from '@fileshare/core';
import { App } from '../../src/ui/App.js';
import { FakeNode, peer } from '../support/fake-node.js';
import { KEYS, renderApp, type Rendered } from '../support/render.js';

const DESK = peer('3b7e09aa', 'desk-pc');
/** What terminals send for these keys (xterm; tmux sends ESC [1~ / ESC [4~ for home/end). */
const KEY = {
  ctrlA: '\x01',
  ctrlE: '\x05',
  ctrlK: '\x0b',
  ctrlU: '\x15',
  ctrlW: '\x17',
  ctrlY: '\x19',
  left: '\x1b[D',
  right: '\x1b[C',
  home: '\x1b[1~',
  end: '\x1b[4~',
  del: '\x1b[3~',
} as const;

let dir: string;
let rendered: Rendered | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tui-line-'));
  await mkdir(join(dir, 'photos'));
  await writeFile(join(dir, 'My File.txt'), 'x');
  await writeFile(join(dir, 'notes.txt'), 'x');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  rendered?.unmount();
  rendered = undefined;
});

async function openDialog(node = new FakeNode({ peers: [DESK] }), size: { columns?: number; rows?: number } = { columns: 120, rows: 30 }): Promise<Rendered> {
  rendered = renderApp(<App node={node} version="9.9.9" cwd={dir} />, size);
  await rendered.waitForFrame('desk-pc');
  await rendered.press(KEYS.enter);
  await rendered.waitForFrame('Send to desk-pc');
  return rendered;
}

/** The text on the path line as a person reads it (an empty line shows an example, dimmed). */
const pathLine = (frame: string) => (/Path › (.*)$/m.exec(frame)?.[1] ?? '').replace(/\s*e\.g\. ~\/Documents\/report\.pdf$/, '').trimEnd();

describe('the path line edits like a shell line', () => {
  it('moves with ctrl+a/e, home/end and the arrows; types where the cursor is', async () => {
    const r = await openDialog();
    await r.press('/tmp/report.pdf');
    await r.waitForFrame((f) => pathLine(f) === '/tmp/report.pdf');
    await r.press(KEY.ctrlA, 'X');
    await r.waitForFrame((f) => pathLine(f) === 'X/tmp/report.pdf');
    await r.press(KEY.ctrlE, 'Y');
    await r.waitForFrame((f) => pathLine(f) === 'X/tmp/report.pdfY');
    await r.press(KEY.home, KEY.right, KEY.del);
    await r.waitForFrame((f) => pathLine(f) === 'Xtmp/report.pdfY');
    await r.press(KEY.end, KEY.left, KEYS.backspace);
    await r.waitForFrame((f) => pathLine(f) === 'Xtmp/report.pdY');
  });

  it('ctrl+w deletes the path part before the cursor, ctrl+u to the start, ctrl+k to the end; ctrl+y puts it back', async () => {
    const r = await openDialog();
    await r.press('~/Documents/old/report.pdf');
    await r.press(KEY.ctrlW);
    await r.waitForFrame((f) => pathLine(f) === '~/Documents/old/');
    await r.press(KEY.ctrlW);
    await r.waitForFrame((f) => pathLine(f) === '~/Documents/');
    await r.press(KEY.ctrlY);
    await r.waitForFrame((f) => pathLine(f) === '~/Documents/old/report.pdf');
    await r.press(KEY.left, KEY.left, KEY.left, KEY.left, KEY.ctrlK);
    await r.waitForFrame((f) => pathLine(f) === '~/Documents/old/report');
    await r.press(KEY.ctrlU);
    await r.waitForFrame((f) => pathLine(f) === '' && f.includes('e.g. ~/Documents/report.pdf'));
    // ctrl+k then ctrl+u, in a row, add up as in readline: ctrl+y gives back the whole line.
    await r.press(KEY.ctrlY);
    await r.waitForFrame((f) => pathLine(f) === '~/Documents/old/report.pdf');
  });

  it('tab completes the part before the cursor and keeps what follows it', async () => {
    const r = await openDialog();
    await r.press('phoXY', KEY.left, KEY.left, KEYS.tab);
    await r.waitForFrame((f) => pathLine(f) === 'photos/XY');
    // The cursor went to the end of the completion: ctrl+k takes only what followed.
    await r.press(KEY.ctrlK);
    await r.waitForFrame((f) => pathLine(f) === 'photos/');
    await r.press(KEYS.enter);
    await r.waitForFrame(`+ ${join(dir, 'photos')}`);
  });

  it('scrolls a path longer than the line, keeping the cursor in view', async () => {
    const r = await openDialog(undefined, { columns: 40, rows: 24 });
    const long = `/${'abcdefghij/'.repeat(6)}end.txt`;
    await r.press(long);
    let line = pathLine(await r.waitForFrame(/Path › …/));
    expect(line.endsWith('end.txt')).toBe(true);
    expect(line.length).toBeLessThanOrEqual(40 - 'Path › '.length);
    await r.press(KEY.home);
    line = pathLine(await r.waitForFrame((f) => pathLine(f).startsWith('/abcdefghij/')));
    expect(line.endsWith('…')).toBe(true);
  });
});

describe('pasting paths', () => {
  it('takes a quoted path with a space (GNOME Terminal, Konsole) as one path on the line', async () => {
    const r = await openDialog();
    const file = join(dir, 'My File.txt');
    await r.press(`'${file}' `);
    await r.waitForFrame((f) => pathLine(f) === file);
    await r.press(KEYS.enter);
    const frame = await r.waitForFrame('Chosen (1)');
    expect(frame).toContain(`+ ${file}`);
  });

  it('takes a backslash-escaped path (macOS Terminal) and a file:// URL ending in a line break', async () => {
    const node = new FakeNode({ peers: [DESK] });
    const r = await openDialog(node);
    await r.press(`${join(dir, 'My\\ File.txt')}`);
    await r.waitForFrame((f) => pathLine(f) === join(dir, 'My File.txt'));
    await r.press(KEY.ctrlU);
    // A pasted line ends in a line break: that is an enter.
    await r.press(`${pathToFileURL(join(dir, 'notes.txt')).href}\n`);
    const frame = await r.waitForFrame('Chosen (1)');
    expect(frame).toContain(`+ ${join(dir, 'notes.txt')}`);
    expect(pathLine(frame)).toBe('');
  });

  it('makes several pasted paths several entries; one not found stays on the line, quoted, and is named', async () => {
    const r = await openDialog();
    await r.press(`'${join(dir, 'My File.txt')}' '${join(dir, 'notes.txt')}' '${join(dir, 'gone away.txt')}' `);
    const frame = await r.waitForFrame('Chosen (2)');
    expect(frame).toContain(`+ ${join(dir, 'My File.txt')}`);
    expect(frame).toContain(`+ ${join(dir, 'notes.txt')}`);
    expect(frame).toContain(`✗ Added 2; no file or folder at ${join(dir, 'gone away.txt')}.`);
    expect(pathLine(frame)).toBe(`'${join(dir, 'gone away.txt')}'`);
  });

  it('reads an unquoted pasted path with a space as one path when it exists', async () => {
    const r = await openDialog();
    await r.press(join(dir, 'My File.txt'));
    const frame = await r.waitForFrame('Chosen (1)');
    expect(frame).toContain(`+ ${join(dir, 'My File.txt')}`);
  });

  it('reads a typed line with quotes the same way on enter', async () => {
    const r = await openDialog();
    await r.press(`"${join(dir, 'My File.txt')}" `, 'x', KEYS.backspace);
    await r.press(KEYS.enter);
    await r.waitForFrame(`+ ${join(dir, 'My File.txt')}`);
  });
});

describe('removing a chosen path', () => {
  it('needs two backspaces on the empty line, says so in between, and ctrl+y brings the path back', async () => {
    const node = new FakeNode({ peers: [DESK] });
    const r = await openDialog(node);
    await r.press('notes.txt', KEYS.enter);
    await r.waitForFrame('Chosen (1)');
    await r.press(KEYS.backspace);
    let frame = await r.waitForFrame('backspace again removes it, other keys keep it');
    expect(frame).toContain(`− ${join(dir, 'notes.txt')}`);
    expect(frame).toContain('Chosen (1)');
    // Any other key keeps it.
    await r.press(KEY.left);
    frame = await r.waitForFrame((f) => !f.includes('backspace again'));
    expect(frame).toContain(`+ ${join(dir, 'notes.txt')}`);

    await r.press(KEYS.backspace, KEYS.backspace);
    frame = await r.waitForFrame('Chosen (0)');
    expect(frame).toContain(`Removed ${join(dir, 'notes.txt')}. ctrl+y puts it back on the line.`);
    await r.press(KEY.ctrlY);
    await r.waitForFrame((f) => pathLine(f) === join(dir, 'notes.txt'));
    await r.press(KEYS.enter);
    await r.waitForFrame('Chosen (1)');
    await r.press(KEYS.enter);
    await r.waitForFrame('Offering');
    expect(node.sends.map((s) => s.paths)).toEqual([[join(dir, 'notes.txt')]]);
  });
});

const offer: NodeEvent = {
  event: 'transfer-offered',
  transferId: 'in-1',
  direction: 'receive',
  peerId: DESK.id,
  peerName: 'desk-pc',
  files: [
    { path: 'report.pdf', size: 1_500_000, kind: 'file' },
    { path: 'notes.txt', size: 2_000, kind: 'file' },
  ],
  totalBytes: 1_502_000,
  awaitingDecision: true,
  trusted: false,
};

describe('an offer that arrives while the send dialog is open', () => {
  it('shows a banner naming the peer, what and how big; letters still type; esc answers it and the dialog comes back', async () => {
    const node = new FakeNode({ peers: [DESK] });
    const r = await openDialog(node, { columns: 80, rows: 24 });
    await r.press('notes.txt', KEYS.enter);
    await r.waitForFrame('Chosen (1)');
    await r.press('ph');
    node.emit(offer);
    let frame = await r.waitForFrame('Incoming offer: desk-pc wants to send report.pdf and 1 more, 1.50 MB.');
    expect(frame).toContain('Press esc to answer it now; your chosen paths are kept and come back');
    expect(frame).toContain('Send to desk-pc');
    // `a` is typing here, never an accidental accept.
    await r.press('a');
    await r.waitForFrame((f) => pathLine(f) === 'pha');
    expect(node.responses).toEqual([]);
    for (const line of r.frame().split('\n')) expect(line.length).toBeLessThanOrEqual(80);

    await r.press(KEYS.escape);
    frame = await r.waitForFrame('a accept');
    expect(frame).toContain('Your send to desk-pc is kept: it comes back once you answered.');
    await r.press('a');
    frame = await r.waitForFrame('Send to desk-pc');
    expect(node.responses).toEqual([{ transferId: 'in-1', decision: 'accept' }]);
    expect(frame).toContain('Chosen (1)');
    expect(pathLine(frame)).toBe('pha');
    expect(frame).not.toContain('Incoming offer');
  });
});
