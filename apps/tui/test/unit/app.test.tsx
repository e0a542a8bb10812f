import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { NodeEvent } from '@fileshare/core';
import { App } from '../../src/ui/App.js';
import { FakeNode, peer } from '../support/fake-node.js';
import { KEYS, renderApp, stripAnsi, type Rendered } from '../support/render.js';

const DESK = peer('3b7e09aa', 'desk-pc');
const LAB = peer('9c1d2f00', 'lab-box', 'discovered', '192.168.1.9');
const TRUSTED = { ...peer('fbcedc8d', 'desk-pc', 'not-connected'), trusted: true };
const CODE = '01234 56789 01234 56789 01234 56789';

let dir: string;
let rendered: Rendered | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tui-app-'));
  await mkdir(join(dir, 'photos'));
  await writeFile(join(dir, 'report-2024.pdf'), 'x');
  await writeFile(join(dir, 'report-2025.pdf'), 'x');
  await writeFile(join(dir, 'notes.txt'), 'x');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  rendered?.unmount();
  rendered = undefined;
});

function start(node: FakeNode, props: { send?: { to: string; paths: string[] } } = {}, size: { columns?: number; rows?: number } = {}): Rendered {
  rendered = renderApp(<App node={node} version="9.9.9" cwd={dir} send={props.send} />, size);
  return rendered;
}

const offer = (over: Partial<Extract<NodeEvent, { event: 'transfer-offered' }>> = {}): NodeEvent => ({
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
  ...over,
});

describe('main screen', () => {
  it('shows this device and a peer list that updates itself', async () => {
    const node = new FakeNode({ peers: [DESK] });
    const r = start(node);
    let frame = await r.waitForFrame('desk-pc');
    expect(frame).toContain('fileshare  laptop  id 0a1b2c3d  192.168.1.5:41234');
    expect(frame).toContain('Receiving into /home/user/Downloads/fileshare');
    expect(frame).toMatch(/› ● connected +desk-pc +3b7e09aa +192\.168\.1\.7:41000/);

    node.emit({ event: 'peer-discovered', peerId: LAB.id, name: 'lab-box', address: '192.168.1.9', port: 41000, manual: false });
    frame = await r.waitForFrame(/○ discovered +lab-box/);
    node.emit({ event: 'peer-state', peerId: LAB.id, state: 'initiating' });
    await r.waitForFrame(/◌ connecting +lab-box/);
    node.emit({ event: 'peer-state', peerId: LAB.id, state: 'not-connected', reason: 'ICE failed' });
    await r.waitForFrame(/✕ not connected +lab-box/);
    node.emit({ event: 'peer-removed', peerId: DESK.id, reason: 'goodbye' });
    frame = await r.waitForFrame((f) => !f.includes('desk-pc'));
    expect(frame).toContain('Peers (1)');
    expect(frame).toMatch(/› ✕ not connected +lab-box/);
  });

  it('unsubscribes from the node when it unmounts', async () => {
    const node = new FakeNode();
    const r = start(node);
    await r.waitForFrame('Peers (0)');
    expect(node.listenerCount).toBe(1);
    r.unmount();
    rendered = undefined;
    expect(node.listenerCount).toBe(0);
  });

  it('fits an 80x24 terminal without wrapping, however long the names', async () => {
    const long = 'a-very-long-device-name-that-goes-on-and-on-and-on';
    const peers = Array.from({ length: 12 }, (_, i) => peer(`${i}`.padStart(2, 'c'), `${long}-${i}`, i % 2 ? 'connected' : 'not-connected', '192.168.100.200'));
    const node = new FakeNode({ peers });
    const r = start(node, {}, { columns: 80, rows: 24 });
    await r.waitForFrame('Peers (12');
    for (let i = 0; i < 5; i++) {
      node.emit({
        event: 'transfer-offered',
        transferId: `s${i}`,
        direction: 'send',
        peerId: peers[1]!.id,
        peerName: peers[1]!.name,
        files: [{ path: `${long}/${long}.bin`, size: 5e9, kind: 'file' }],
        totalBytes: 5e9,
        awaitingDecision: false,
        trusted: false,
      });
      node.emit({ event: 'transfer-progress', transferId: `s${i}`, direction: 'send', peerId: peers[1]!.id, bytes: 1e9, totalBytes: 5e9, bytesPerSecond: 38e6, etaSeconds: 105 });
      node.emit({ event: 'transfer-failed', transferId: `f${i}`, direction: 'send', peerId: peers[1]!.id, code: 'ERR_X', message: `The connection to ${long} was lost while sending.` });
    }
    node.emit({ event: 'warning', code: 'W', message: `Multicast is blocked on ${long}; peers on it will not be found.` });
    const frame = await r.waitForFrame('Multicast is blocked');
    const lines = frame.split('\n');
    expect(lines.length).toBeLessThan(24);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(80);
    expect(frame).toContain('ETA 1m 45s');
    expect(frame).toMatch(/Transfers \(5, 1-\d shown\)/);
  });

  it('re-plans the screen when the terminal is resized', async () => {
    const peers = Array.from({ length: 12 }, (_, i) => peer(`${i}`.padStart(2, 'd'), `peer-${i}`));
    const r = start(new FakeNode({ peers }), {}, { columns: 100, rows: 40 });
    await r.waitForFrame('Peers (12)');
    r.stdout.resize(80, 24);
    const frame = await r.waitForFrame(/Peers \(12, 1-\d+ shown\)/);
    expect(frame.split('\n').length).toBeLessThan(24);
  });

  it('shows the full device id on the help screen', async () => {
    const node = new FakeNode();
    const r = start(node);
    await r.waitForFrame('Peers (0)');
    await r.press('?');
    const frame = await r.waitForFrame('Device id  0a1b2c3d4e5f60718293a4b5c6d7e8f9');
    expect(frame).toContain('fileshare 9.9.9');
    expect(frame).toMatch(/c +cancel the chosen transfer \(asks: y cancels, n or esc keeps it\)/);
    expect(frame).toMatch(/v +show the chosen peer's verification code, to compare and trust\s+it/);
    expect(frame.split('\n').length).toBeLessThan(24);
    // The rest scrolls into view.
    expect(frame).toMatch(/↓ \d+ more below: ↑↓ scroll/);
    await r.press(' ', ' ');
    const rest = await r.waitForFrame(/more above/);
    expect(rest).toMatch(/ctrl\+w +delete the part of the path before the cursor, up to a \//);
    expect(rest.split('\n').length).toBeLessThan(24);
    await r.press(KEYS.escape);
    await r.waitForFrame('Peers (0)');
  });
});

describe('receiving', () => {
  it('asks about an incoming offer; a accepts it and progress follows', async () => {
    const node = new FakeNode({ peers: [DESK] });
    const r = start(node);
    await r.waitForFrame('desk-pc');
    node.emit(offer());
    let frame = await r.waitForFrame('Incoming offer');
    expect(frame).toContain('From desk-pc');
    expect(frame).toContain(`Id   ${DESK.id}`);
    expect(frame).toContain('Wants to send 2 files, 1.50 MB in total:');
    expect(frame).toMatch(/report\.pdf +1\.50 MB/);

    await r.press('a');
    expect(node.responses).toEqual([{ transferId: 'in-1', decision: 'accept' }]);
    expect(node.trusted).toEqual([]);
    await r.waitForFrame((f) => !f.includes('Incoming offer'));

    node.emit({ event: 'transfer-progress', transferId: 'in-1', direction: 'receive', peerId: DESK.id, bytes: 751_000, totalBytes: 1_502_000, bytesPerSecond: 500_000, etaSeconds: 1.5 });
    frame = await r.waitForFrame('50%');
    expect(frame).toContain('↓ report.pdf and 1 more from desk-pc (3b7e09aa)');
    expect(frame).toMatch(/█+░+ +50% +500 KB\/s +ETA 2s/);

    node.emit({
      event: 'transfer-complete',
      transferId: 'in-1',
      direction: 'receive',
      peerId: DESK.id,
      files: [
        { path: 'report.pdf', size: 1_500_000, sha256: 'a'.repeat(64) },
        { path: 'notes.txt', size: 2_000, sha256: 'b'.repeat(64) },
      ],
      bytesTransferred: 1_502_000,
      resumedBytes: 0,
      savedTo: '/srv/in',
    });
    frame = await r.waitForFrame('Transfers (0)');
    expect(frame).toContain('✓ verified   ↓ report.pdf and 1 more from desk-pc · 1.50 MB · in /srv/in');
    expect(frame).toContain('Received report.pdf and 1 more from desk-pc, saved in /srv/in');
  });

  it('d declines; t shows the code and n accepts from that peer for this session only', async () => {
    const node = new FakeNode({ peers: [DESK] });
    node.codes.set(DESK.id, CODE);
    const r = start(node);
    await r.waitForFrame('desk-pc');
    node.emit(offer({ transferId: 'in-1' }));
    node.emit(offer({ transferId: 'in-2' }));
    node.emit(offer({ transferId: 'in-3', peerId: LAB.id, peerName: 'lab-box' }));
    node.emit(offer({ transferId: 'in-4' }));
    await r.waitForFrame('3 more waiting');
    await r.press('d');
    await r.waitForFrame('2 more waiting');
    await r.press('t');
    const dialog = await r.waitForFrame('Trust desk-pc?');
    expect(dialog).toContain(`Code  ${CODE}`);
    expect(dialog).toContain(`Id    ${DESK.id}`);
    // n accepts this offer and the one desk-pc queued behind it, not lab-box's; nothing is saved.
    await r.press('n');
    await r.waitForFrame((f) => f.includes('From lab-box') && !f.includes('more waiting'));
    expect(node.responses).toEqual([
      { transferId: 'in-1', decision: 'decline' },
      { transferId: 'in-2', decision: 'accept' },
      { transferId: 'in-4', decision: 'accept' },
    ]);
    expect(node.trusted).toEqual([DESK.id]);
    expect(node.persisted).toEqual([]);
    await r.press('d');
    await r.waitForFrame('Accepting everything from desk-pc (3b7e09aa) until you quit; not saved.');
    expect(r.frame()).toContain('– declined   ↓ report.pdf and 1 more from desk-pc · you declined');
  });

  it('t then y (the codes match) saves the trust and accepts; the peer list marks it trusted', async () => {
    const node = new FakeNode({ peers: [DESK] });
    node.codes.set(DESK.id, CODE);
    const r = start(node);
    await r.waitForFrame('desk-pc');
    node.emit(offer({ transferId: 'in-1' }));
    await r.waitForFrame('Incoming offer');
    await r.press('t');
    await r.waitForFrame('Trust desk-pc?');
    await r.press('y');
    const frame = await r.waitForFrame('Trusted desk-pc (3b7e09aa), saved: its offers are accepted without asking.');
    expect(node.persisted).toEqual([DESK.id]);
    expect(node.trusted).toEqual([]);
    expect(node.responses).toEqual([{ transferId: 'in-1', decision: 'accept' }]);
    expect(frame).toMatch(/● connected +desk-pc +✓ trusted +3b7e09aa/);
  });

  it('esc in the trust dialog goes back to the offer without deciding anything', async () => {
    const node = new FakeNode({ peers: [DESK] });
    node.codes.set(DESK.id, CODE);
    const r = start(node);
    await r.waitForFrame('desk-pc');
    node.emit(offer({ transferId: 'in-1' }));
    await r.waitForFrame('Incoming offer');
    await r.press('t');
    await r.waitForFrame('Trust desk-pc?');
    await r.press(KEYS.escape);
    await r.waitForFrame('Incoming offer');
    expect(node.responses).toEqual([]);
    expect(node.trusted).toEqual([]);
    expect(node.persisted).toEqual([]);
  });

  it('a failed save is said in one sentence; the offer was still accepted as asked', async () => {
    const node = new FakeNode({ peers: [DESK] });
    node.codes.set(DESK.id, CODE);
    node.trustFailure = Object.assign(new Error('The state folder /root/.config/fileshare can be changed by other users'), { code: 'ERR_STATE_INSECURE' });
    const r = start(node);
    await r.waitForFrame('desk-pc');
    node.emit(offer({ transferId: 'in-1' }));
    await r.waitForFrame('Incoming offer');
    await r.press('t', 'y');
    await r.waitForFrame('Could not change the trust of desk-pc: The state folder');
    expect(node.responses).toEqual([{ transferId: 'in-1', decision: 'accept' }]);
  });

  it('b declines the offer and blocks its sender for the session', async () => {
    const node = new FakeNode({ peers: [DESK, LAB] });
    const r = start(node);
    await r.waitForFrame('desk-pc');
    node.emit(offer({ transferId: 'in-1' }));
    node.emit(offer({ transferId: 'in-2' }));
    node.emit(offer({ transferId: 'in-3', peerId: LAB.id, peerName: 'lab-box' }));
    await r.waitForFrame('2 more waiting');
    await r.press('b');
    await r.waitForFrame('From lab-box');
    expect(node.responses).toEqual([{ transferId: 'in-1', decision: 'decline' }]);
    expect(node.blocked).toEqual([DESK.id]);
    await r.press('a');
    const frame = await r.waitForFrame('⊘ blocked');
    expect(frame).toMatch(/desk-pc +⊘ blocked +3b7e09aa/);
    expect(frame).toContain('– declined   ↓ report.pdf and 1 more from desk-pc · you blocked it');
    expect(frame).toContain('Blocked desk-pc (3b7e09aa): its offers are declined until you quit.');
  });

  it('v on the peer list shows the code; y trusts (saved); on a trusted peer u stops trusting', async () => {
    const node = new FakeNode({ peers: [DESK] });
    node.codes.set(DESK.id, CODE);
    const r = start(node);
    await r.waitForFrame('desk-pc');
    await r.press('v');
    let frame = await r.waitForFrame('Trust desk-pc?');
    expect(frame).toContain(`Code  ${CODE}`);
    expect(frame).toMatch(/n {2}esc +close/);
    await r.press('y');
    await r.waitForFrame('✓ trusted');
    expect(node.persisted).toEqual([DESK.id]);
    await r.press('v');
    frame = await r.waitForFrame('desk-pc is trusted');
    await r.press('u');
    await r.waitForFrame('is no longer trusted');
    expect(node.untrusted).toEqual([DESK.id]);
    expect(r.frame()).not.toContain('✓ trusted');
  });

  it('marks a look-alike in the list and warns in its offer', async () => {
    const twin = { ...peer('66aa', 'desk-pc'), lookalikeOf: TRUSTED.id };
    const node = new FakeNode({ peers: [TRUSTED, twin] });
    const r = start(node);
    let frame = await r.waitForFrame('⚠ look-alike');
    expect(frame).toMatch(/desk-pc +✓ trusted +fbcedc8d/);
    expect(frame).toMatch(/desk-pc +⚠ look-alike +66aa0000/);
    node.emit(offer({ transferId: 'in-1', peerId: twin.id, lookalikeOf: TRUSTED.id }));
    frame = await r.waitForFrame('Incoming offer');
    expect(frame.replace(/│/g, '').replace(/\s+/g, ' ')).toContain('⚠ Not your trusted “desk-pc” (fbcedc8d): same name, different device.');
  });

  it('prints a hostile peer name escaped, never the raw escape sequence', async () => {
    const node = new FakeNode();
    const r = start(node, {}, { columns: 120 });
    await r.waitForFrame('Peers (0)');
    node.emit({ event: 'peer-discovered', peerId: LAB.id, name: 'x\u001b]52;c;aGk=\u0007\u001b[2Jy\u202e', address: '192.168.1.9', port: 41000, manual: false });
    const frame = await r.waitForFrame('Peers (1)');
    expect(frame).toContain('x\\x1b]52;c;aGk=\\x07\\x1b[2Jy<U+202E>');
    expect(r.stdout.frames.join('')).not.toContain('\u001b]52');
    expect(r.stdout.frames.join('')).not.toContain('\u202e');
  });

  it('shows a received text until it is closed', async () => {
    const node = new FakeNode({ peers: [DESK] });
    const r = start(node);
    await r.waitForFrame('desk-pc');
    node.emit({ event: 'text-received', transferId: 'x', peerId: DESK.id, peerName: 'desk-pc', text: 'the wifi password is\nhunter2' });
    const frame = await r.waitForFrame('Message from desk-pc (3b7e09aa)');
    expect(frame).toContain('hunter2');
    await r.press(KEYS.enter);
    await r.waitForFrame((f) => !f.includes('hunter2'));
  });
});

describe('sending', () => {
  it('picks a peer, completes a path with tab, and sends it', async () => {
    const node = new FakeNode({ peers: [LAB, DESK] });
    const r = start(node);
    await r.waitForFrame('desk-pc');

    // lab-box is only discovered: enter explains instead of opening the dialog.
    await r.press(KEYS.enter);
    await r.waitForFrame('lab-box is not connected yet');
    await r.press(KEYS.down);
    await r.waitForFrame(/› ● connected +desk-pc/);
    await r.press(KEYS.enter);
    await r.waitForFrame('Send to desk-pc (3b7e09aa)');

    await r.press('rep');
    await r.waitForFrame('Path › rep');
    await r.press(KEYS.tab);
    let frame = await r.waitForFrame('report-2024.pdf  report-2025.pdf');
    expect(frame).toContain('Path › report-202');
    await r.press('5');
    await r.press(KEYS.tab);
    await r.waitForFrame((f) => f.includes('Path › report-2025.pdf') && !f.includes('report-2024.pdf'));
    await r.press(KEYS.enter);
    frame = await r.waitForFrame('Chosen (1)');
    expect(frame).toContain(`+ ${join(dir, 'report-2025.pdf')}`);

    await r.press('pho', KEYS.tab);
    await r.waitForFrame('Path › photos/');
    await r.press(KEYS.enter);
    await r.waitForFrame('Chosen (2)');
    await r.press('missing');
    await r.press(KEYS.enter);
    await r.waitForFrame('No file or folder at missing.');
    for (let i = 0; i < 'missing'.length; i++) await r.press(KEYS.backspace);
    await r.waitForFrame((f) => f.includes('Path › ') && !f.includes('missing'));

    await r.press(KEYS.enter);
    await r.waitForFrame('Transfers (0)');
    expect(node.sends.map((s) => [s.peerId, s.paths])).toEqual([[DESK.id, [join(dir, 'report-2025.pdf'), join(dir, 'photos')]]]);

    node.sends[0]!.onStarted?.('out-1');
    node.emit({
      event: 'transfer-offered',
      transferId: 'out-1',
      direction: 'send',
      peerId: DESK.id,
      peerName: 'desk-pc',
      files: [{ path: 'report-2025.pdf', size: 1, kind: 'file' }],
      totalBytes: 1,
      awaitingDecision: false,
      trusted: false,
    });
    await r.waitForFrame('waiting for desk-pc to accept…');
    node.emit({ event: 'transfer-progress', transferId: 'out-1', direction: 'send', peerId: DESK.id, bytes: 0, totalBytes: 1, bytesPerSecond: 0 });
    await r.waitForFrame('0%');

    // c asks first; y cancels the selected transfer; the node reports the outcome.
    await r.press('c');
    await r.waitForFrame('Cancel sending report-2025.pdf to desk-pc');
    expect(node.cancelled).toEqual([]);
    await r.press('y');
    expect(node.cancelled).toEqual(['out-1']);
    node.emit({ event: 'transfer-failed', transferId: 'out-1', direction: 'send', peerId: DESK.id, code: 'ERR_TRANSFER_CANCELLED', message: 'You cancelled.' });
    node.sends[0]!.result.reject(Object.assign(new Error('You cancelled.'), { code: 'ERR_TRANSFER_CANCELLED' }));
    frame = await r.waitForFrame('⊘ cancelled');
    expect(frame).toContain('↑ report-2025.pdf to desk-pc · You cancelled. · 1 B');
    expect(frame).not.toContain('Could not send');
  });

  it('esc leaves the path input; q there is text, not quit', async () => {
    const node = new FakeNode({ peers: [DESK] });
    const r = start(node);
    await r.waitForFrame('desk-pc');
    await r.press(KEYS.enter);
    await r.waitForFrame('Send to desk-pc');
    await r.press('q');
    await r.waitForFrame('Path › q');
    await r.press(KEYS.escape);
    await r.waitForFrame('Peers (1)');
    expect(node.sends).toEqual([]);
  });

  it('--to waits for the peer, then sends inside the UI', async () => {
    const node = new FakeNode();
    const r = start(node, { send: { to: 'desk', paths: ['/data/a.bin'] } });
    await r.waitForFrame('Waiting for desk to connect, then sending /data/a.bin');
    expect(node.waits.map((w) => w.idOrName)).toEqual(['desk']);
    node.waits[0]!.result.resolve(DESK);
    await r.waitForFrame('Sending /data/a.bin to desk-pc');
    expect(node.sends.map((s) => [s.peerId, s.paths])).toEqual([[DESK.id, ['/data/a.bin']]]);
    node.sends[0]!.result.resolve({ transferId: 't', files: [], bytesTransferred: 1, resumedBytes: 0 });
    await r.waitForFrame('Sent /data/a.bin to desk-pc. Press q to quit.');
  });

  it('--to reports a peer that never shows up in one sentence', async () => {
    const node = new FakeNode();
    const r = start(node, { send: { to: 'nobody', paths: ['/a'] } });
    await r.waitForFrame('Waiting for nobody');
    node.waits[0]!.result.reject(Object.assign(new Error('No peer called nobody was found within 30 s'), { code: 'ERR_PEER_NOT_FOUND' }));
    const frame = await r.waitForFrame('Could not send /a to nobody: No peer called nobody was found within 30 s.');
    expect(stripAnsi(frame)).not.toContain('at ');
  });
});
