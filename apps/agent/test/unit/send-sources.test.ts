import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { MAX_TRANSFER_TEXT_BYTES } from '@fileshare/core';
import { UsageError } from '../../src/output.js';
import { checkSources, planSend, readText, spoolStdin } from '../../src/send/sources.js';
import { targetsOf } from '../../src/commands/send.js';

const usage = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a usage error');
};

describe('send arguments (before anything is read or started)', () => {
  it('files, stdin as a file, a text, and stdin as text', () => {
    expect(planSend(['a.txt', 'dir'], {})).toEqual({ kind: 'files', paths: ['a.txt', 'dir'] });
    expect(planSend(['-', 'b'], { as: 'notes.txt' })).toEqual({ kind: 'files', paths: ['-', 'b'], stdinAs: 'notes.txt' });
    expect(planSend([], { text: 'hi' })).toEqual({ kind: 'text', text: 'hi' });
    expect(planSend([], { text: '-' })).toEqual({ kind: 'text-from-stdin' });
  });

  it('refuses what cannot mean anything, saying how to say it', () => {
    expect(usage(() => planSend([], {}))).toMatch(/nothing to send.*--as NAME.*--text/);
    expect(usage(() => planSend(['a'], { text: 'hi' }))).toMatch(/not both/);
    expect(usage(() => planSend(['-'], {}))).toMatch(/name that file with --as NAME/);
    expect(usage(() => planSend(['-', '-'], { as: 'x' }))).toMatch(/only once/);
    expect(usage(() => planSend(['a'], { as: 'x' }))).toMatch(/give `-`/);
    expect(usage(() => planSend([], { text: '' }))).toMatch(/empty/);
  });

  it('--as is a name, never a path', () => {
    for (const bad of ['a/b', '../x', 'c:\\x', '.', '..', '', 'bell\u0007']) expect(usage(() => planSend(['-'], { as: bad }))).toMatch(/--as takes a file name/);
    expect(usage(() => planSend(['-'], { as: 'etc/passwd' }))).toMatch(/contains a path separator/);
  });

  it('a text over the protocol limit is refused with the limit and the way to send it as a file', () => {
    const message = usage(() => planSend([], { text: 'é'.repeat(MAX_TRANSFER_TEXT_BYTES / 2 + 1) }));
    expect(message).toMatch(new RegExp(`is ${MAX_TRANSFER_TEXT_BYTES + 2} bytes; one text message carries at most .* \\(${MAX_TRANSFER_TEXT_BYTES} bytes\\)`));
    expect(message).toMatch(/send - --as/);
    expect(planSend([], { text: 'x'.repeat(MAX_TRANSFER_TEXT_BYTES) })).toMatchObject({ kind: 'text' });
  });

  it('--to: at least one, repeats once, in the order given', () => {
    expect(targetsOf(['lab', 'desk', 'lab', ' desk '])).toEqual(['lab', 'desk']);
    expect(usage(() => targetsOf(undefined))).toMatch(/--to NAME/);
    expect(usage(() => targetsOf(['  ']))).toMatch(/--to NAME/);
  });
});

describe('checking the paths to send', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'fileshare-sources-'));
    await writeFile(join(root, 'ok.txt'), 'ok');
    await mkdir(join(root, 'folder', 'sub'), { recursive: true });
    await writeFile(join(root, 'folder', 'ok.txt'), 'same name as ../ok.txt');
    execFileSync('mkfifo', [join(root, 'pipe')]);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('a readable file and folder pass; stdin is not a path', async () => {
    expect(await checkSources([join(root, 'ok.txt'), join(root, 'folder'), '-'])).toEqual([]);
  });

  it('names every missing or unusable path with its reason, in order', async () => {
    const missing = join(root, 'missing.txt');
    const problems = await checkSources([missing, join(root, 'ok.txt'), join(root, 'pipe'), join(root, 'ok.txt', 'below'), join(root, 'folder', 'ok.txt')]);
    expect(problems).toEqual([
      { path: missing, reason: 'no such file or folder' },
      { path: join(root, 'pipe'), reason: 'neither a file nor a folder' },
      { path: join(root, 'ok.txt', 'below'), reason: 'a part of the path is not a folder' },
      { path: join(root, 'folder', 'ok.txt'), reason: `has the same name as ${join(root, 'ok.txt')}; only one item of a name can be sent at once` },
    ]);
  });
});

describe('stdin', () => {
  it('--text - reads UTF-8 text up to the limit', async () => {
    expect(await readText(Readable.from([Buffer.from('héllo '), Buffer.from('wörld\n')]))).toBe('héllo wörld\n');
    // A multi-byte character split across two chunks is still one character.
    const snowman = Buffer.from('☃');
    expect(await readText(Readable.from([snowman.subarray(0, 1), snowman.subarray(1)]))).toBe('☃');
  });

  it('--text - refuses more than the limit (without reading on), empty input, and bytes that are not UTF-8', async () => {
    const tooMuch = Readable.from([Buffer.alloc(MAX_TRANSFER_TEXT_BYTES, 0x61), Buffer.from('b')]);
    await expect(readText(tooMuch)).rejects.toThrow(/the text on stdin is longer than that; one text message carries at most/);
    await expect(readText(Readable.from([]))).rejects.toThrow(/the text on stdin is empty/);
    await expect(readText(Readable.from([Buffer.from([0xff, 0xfe, 0x41])]))).rejects.toThrow(/not UTF-8; send it as a file/);
  });

  it('Ctrl-C while waiting for stdin text ends the wait', async () => {
    const input = new PassThrough();
    const controller = new AbortController();
    const reading = readText(input, controller.signal);
    input.write('partial');
    controller.abort();
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('- --as NAME spools stdin into a private folder, removed afterwards', async () => {
    const spool = await spoolStdin(Readable.from([Buffer.from('line 1\n'), Buffer.from('line 2\n')]), 'notes.txt', new AbortController().signal);
    expect(spool.path.endsWith('/notes.txt')).toBe(true);
    expect(await readFile(spool.path, 'utf8')).toBe('line 1\nline 2\n');
    expect((await stat(dirname(spool.path))).mode & 0o777).toBe(0o700);
    expect((await stat(spool.path)).mode & 0o777).toBe(0o600);
    await spool.remove();
    await expect(stat(dirname(spool.path))).rejects.toThrow(/ENOENT/);
  });

  it('an interrupted spool leaves no folder behind', async () => {
    const before = (await readdir(tmpdir())).filter((n) => n.startsWith('fileshare-stdin-'));
    const input = new PassThrough();
    const controller = new AbortController();
    const spooling = spoolStdin(input, 'big.bin', controller.signal);
    input.write(Buffer.alloc(1024));
    setTimeout(() => controller.abort(), 20);
    await expect(spooling).rejects.toMatchObject({ name: 'AbortError' });
    const after = (await readdir(tmpdir())).filter((n) => n.startsWith('fileshare-stdin-'));
    expect(after.filter((n) => !before.includes(n))).toEqual([]);
  });
});
