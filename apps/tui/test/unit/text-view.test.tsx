import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { saveText, textFileName } from '../../src/content/text-copy.js';
import { App } from '../../src/ui/App.js';
import { TextDialog, wrapText } from '../../src/ui/TextDialog.js';
import { FakeNode, peer } from '../support/fake-node.js';
import { KEYS, renderApp, type Rendered } from '../support/render.js';

const DESK = peer('3b7e09aa', 'desk-pc');
let dir: string;
let rendered: Rendered | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tui-text-'));
});
afterEach(async () => {
  rendered?.unmount();
  rendered = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** A node whose receive folder is a real temporary one, for saved texts. */
function nodeReceivingIn(receiveDir: string): FakeNode {
  const node = new FakeNode({ peers: [DESK] });
  Object.defineProperty(node, 'receiveDir', { value: receiveDir });
  return node;
}

function start(node: FakeNode, size: { columns?: number; rows?: number } = {}): Rendered {
  rendered = renderApp(<App node={node} version="9.9.9" cwd={dir} />, size);
  return rendered;
}

const ALT_ENTER = '\u001b\r';
const CTRL_J = '\n';

describe('wrapping and the text dialog', () => {
  it('wraps at the last space that fits, cuts a longer word, and keeps indentation', () => {
    expect(wrapText('the quick brown fox jumps', 10)).toEqual(['the quick', 'brown fox', 'jumps']);
    expect(wrapText('abcdefghijklmnop', 6)).toEqual(['abcdef', 'ghijkl', 'mnop']);
    expect(wrapText('  indented\n\nafter a blank', 20)).toEqual(['  indented', '', 'after a blank']);
  });

  it('shows where in a long text it is', () => {
    const text = Array.from({ length: 12 }, (_, i) => `line ${i}`).join('\n');
    rendered = renderApp(<TextDialog message={{ transferId: 'x', peerId: 'ab'.repeat(16), peerName: 'desk', text, top: 3 }} queued={1} columns={80} maxLines={5} />);
    const frame = rendered.frame();
    expect(frame).toContain('Message from desk (abababab) · 1 more waiting');
    expect(frame).toMatch(/line 3[\s\S]*line 6/);
    expect(frame).not.toContain('line 7');
    expect(frame).toContain('lines 4-7 of 12 · 5 more below (↓ pgdn)');
  });
});

describe('a received text', () => {
  it('is shown whole by scrolling, and c copies it through the terminal and saves it to a file', async () => {
    const node = nodeReceivingIn(dir);
    const r = start(node);
    await r.waitForFrame('desk-pc');
    const text = Array.from({ length: 60 }, (_, i) => `line ${i + 1}: ${'word '.repeat(i % 5)}`.trimEnd()).join('\n');
    node.emit({ event: 'text-received', transferId: 't1', peerId: DESK.id, peerName: 'desk-pc', text });
    let frame = await r.waitForFrame('Message from desk-pc');
    expect(frame).toContain('line 1:');
    expect(frame).toMatch(/lines 1-\d+ of 60/);
    expect(frame).not.toContain('line 60');

    await r.press(KEYS.down);
    frame = await r.waitForFrame(/lines 2-/);
    expect(frame).not.toMatch(/line 1:/);
    await r.press('G');
    frame = await r.waitForFrame('line 60: word word word word');
    expect(frame).toContain('the end (↑ pgup)');
    await r.press('g');
    await r.waitForFrame(/lines 1-/);

    await r.press('c');
    frame = await r.waitForFrame('saved to');
    const sequence = `\u001b]52;c;${Buffer.from(text).toString('base64')}\u0007`;
    expect(r.stdout.frames).toContain(sequence);
    const [saved] = await readdir(dir);
    expect(saved).toMatch(/^text-\d{8}-\d{6}\.txt$/);
    expect(await readFile(join(dir, saved!), 'utf8')).toBe(text);
    expect((await stat(join(dir, saved!))).mode & 0o777).toBe(0o600);
    expect(frame.replace(/\s+/g, ' ')).toContain('Copied to the clipboard through the terminal (OSC 52');
    expect(frame).toContain(`Saved to ${join(dir, saved!)}`);

    await r.press(KEYS.enter);
    await r.waitForFrame((f) => !f.includes('Message from'));
  });

  it('copies what is shown: a control sequence in a text stays inert in the clipboard and the file', async () => {
    const node = nodeReceivingIn(dir);
    const r = start(node);
    await r.waitForFrame('desk-pc');
    node.emit({ event: 'text-received', transferId: 't1', peerId: DESK.id, peerName: 'desk-pc', text: 'ok\u001b[201~rm -rf ~\r\n' });
    await r.waitForFrame('Message from desk-pc');
    await r.press('c');
    await r.waitForFrame('saved to');
    const [saved] = await readdir(dir);
    expect(await readFile(join(dir, saved!), 'utf8')).toBe('ok\\x1b[201~rm -rf ~\n');
  });

  it('never overwrites an earlier saved text', async () => {
    const now = new Date(2026, 2, 4, 14, 3, 12);
    const first = await saveText(dir, 'one', now);
    const second = await saveText(dir, 'two', now);
    expect([first, second]).toEqual([join(dir, textFileName(now)), join(dir, 'text-20260304-140312-2.txt')]);
    expect(await readFile(first, 'utf8')).toBe('one');
  });
});

describe('writing a message', () => {
  it('m opens it on the chosen peer; alt+enter, ctrl+j and a paste make lines; enter sends', async () => {
    const node = new FakeNode({ peers: [DESK] });
    const r = start(node);
    await r.waitForFrame('desk-pc');
    await r.press('m');
    await r.waitForFrame('Message to desk-pc (3b7e09aa)');
    await r.press('h', 'i', ALT_ENTER, 's', 'e', 'c', 'o', 'n', 'd', CTRL_J, 'pasted\rlines', KEYS.backspace);
    let frame = await r.waitForFrame('pasted');
    expect(frame).toMatch(/› hi +│\n│ +second +│\n│ +pasted +│\n│ +line +│/);
    // Typing a letter that means something elsewhere (a for accept) is text here.
    node.emit({ event: 'transfer-offered', transferId: 'in-1', direction: 'receive', peerId: DESK.id, peerName: 'desk-pc', files: [{ path: 'x.bin', size: 5, kind: 'file' }], totalBytes: 5, awaitingDecision: true, trusted: false });
    await r.press('a');
    expect(node.responses).toEqual([]);
    await r.press(KEYS.enter);
    expect(node.textSends.map((s) => [s.peerId, s.text])).toEqual([[DESK.id, 'hi\nsecond\npasted\nlinea']]);
    frame = await r.waitForFrame('Incoming offer');
    node.textSends[0]!.result.resolve({ transferId: 't1', files: [], bytesTransferred: 5, resumedBytes: 0 });
  });

  it('an empty message is refused in place; a failed one is kept for the next m', async () => {
    const node = new FakeNode({ peers: [DESK] });
    const r = start(node);
    await r.waitForFrame('desk-pc');
    await r.press('m', KEYS.enter);
    await r.waitForFrame('✗ Type a message first');
    expect(node.textSends).toHaveLength(0);
    await r.press('h', 'e', 'y', KEYS.enter);
    node.textSends[0]!.result.reject(Object.assign(new Error('The offer was declined.'), { code: 'ERR_TRANSFER_DECLINED' }));
    const frame = await r.waitForFrame('Could not send the message');
    expect(frame.replace(/\s+/g, ' ')).toContain('Could not send the message to desk-pc: The offer was declined. Press m on desk-pc to try again; your text is kept.');
    await r.press('m');
    await r.waitForFrame(/› hey/);
    await r.press(KEYS.escape);
    await r.waitForFrame((f) => !f.includes('Message to'));
  });
});

describe('an offered message', () => {
  it('says it is a message, not "0 files"', async () => {
    const node = new FakeNode({ peers: [DESK] });
    const r = start(node);
    await r.waitForFrame('desk-pc');
    node.emit({ event: 'transfer-offered', transferId: 't1', direction: 'receive', peerId: DESK.id, peerName: 'desk-pc', files: [], totalBytes: 42, awaitingDecision: true, trusted: false });
    const frame = await r.waitForFrame('Incoming offer');
    expect(frame).toContain('Wants to send a message, 42 B.');
    expect(frame).not.toContain('0 files');
    expect(frame).not.toContain('Files go to');
  });
});
