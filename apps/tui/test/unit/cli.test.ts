import { describe, expect, it } from '@jest/globals';
import { parseCli } from '../../src/cli.js';

const parse = (...argv: string[]) => parseCli(argv, '1.2.3', '/work');

describe('parseCli', () => {
  it('needs no options at all', () => {
    expect(parse()).toEqual({ kind: 'run', options: { init: { accept: 'ask' } } });
  });

  it('maps every option onto the node init', () => {
    const parsed = parse('--name', 'desk', '--dir', 'in', '--state-dir', '/s', '--port', '5000', '--interface', 'eth0', '--peer', '10.0.0.2:5000', '--peer', '10.0.0.3:5000');
    expect(parsed).toEqual({
      kind: 'run',
      options: {
        init: { accept: 'ask', name: 'desk', receiveDir: '/work/in', stateDir: '/s', port: 5000, interface: 'eth0', peers: ['10.0.0.2:5000', '10.0.0.3:5000'] },
      },
    });
  });

  it('takes --to with paths, made absolute', () => {
    const parsed = parse('--to', 'desk-pc', 'a.txt', '/abs/b');
    expect(parsed.kind === 'run' && parsed.options.send).toEqual({ to: 'desk-pc', paths: ['/work/a.txt', '/abs/b'] });
  });

  it('refuses paths without --to and --to without paths', () => {
    const a = parse('a.txt');
    expect(a).toMatchObject({ kind: 'exit', code: 2 });
    expect(a.kind === 'exit' && a.stderr).toMatch(/^error: a path was given without --to/);
    expect(parse('--to', 'desk')).toMatchObject({ kind: 'exit', code: 2, stderr: expect.stringContaining('--to needs at least one file') });
  });

  it('rejects a bad port and unknown options in one line', () => {
    const port = parse('--port', 'http');
    expect(port).toMatchObject({ kind: 'exit', code: 2 });
    expect(port.kind === 'exit' && port.stderr.trim()).toBe("error: option '--port <port>' argument 'http' is invalid. It must be a number from 0 to 65535.");
    expect(parse('--zzz')).toMatchObject({ kind: 'exit', code: 2, stderr: "error: unknown option '--zzz'\n" });
  });

  it('prints help and version to stdout with exit code 0', () => {
    const help = parse('--help');
    expect(help).toMatchObject({ kind: 'exit', code: 0, stderr: '' });
    const text = help.kind === 'exit' ? help.stdout : '';
    for (const option of ['--name', '--dir', '--state-dir', '--port', '--interface', '--peer', '--to', '--version']) expect(text).toContain(option);
    expect(text).toContain('fileshare --to desk-pc report.pdf');
    expect(parse('--version')).toEqual({ kind: 'exit', code: 0, stdout: '1.2.3\n', stderr: '' });
  });
});
