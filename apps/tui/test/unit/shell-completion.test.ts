import { describe, expect, it } from '@jest/globals';
import { parseCli } from '../../src/cli.js';

describe('fileshare completion', () => {
  it('prints a bash script for fileshare and starts nothing', () => {
    const parsed = parseCli(['completion', 'bash'], '1.0.0', '/work');
    expect(parsed).toMatchObject({ kind: 'exit', code: 0, stderr: '' });
    const script = parsed.kind === 'exit' ? parsed.stdout : '';
    expect(script).toContain('complete -F _fileshare fileshare');
    // Generated from the program itself: its options are in it.
    for (const option of ['--to', '--dir', '--state-dir', '--peer', '--interface']) expect(script).toContain(option);
  });

  it('prints a zsh script', () => {
    const parsed = parseCli(['completion', 'zsh'], '1.0.0', '/work');
    expect(parsed).toMatchObject({ kind: 'exit', code: 0 });
    expect(parsed.kind === 'exit' && parsed.stdout).toMatch(/^#compdef fileshare\n/);
  });

  it('names the shells it knows for any other', () => {
    const parsed = parseCli(['completion', 'fish'], '1.0.0', '/work');
    expect(parsed).toMatchObject({ kind: 'exit', code: 2 });
    expect(parsed.kind === 'exit' && parsed.stderr).toContain('Allowed choices are bash, zsh');
  });

  it('still sends files whatever they are called, help included', () => {
    const parsed = parseCli(['--to', 'desk', 'help', 'notes.txt'], '1.0.0', '/work');
    expect(parsed).toMatchObject({ kind: 'run', options: { send: { to: 'desk', paths: ['/work/help', '/work/notes.txt'] } } });
  });
});
