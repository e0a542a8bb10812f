import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Command, Option } from 'commander';
import { completionScript } from '../../src/index.js';
import { sampleProgram } from './sample-program.js';

let dir: string;
let scriptFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cli-completion-bash-'));
  scriptFile = join(dir, 'completion.bash');
  writeFileSync(scriptFile, completionScript(sampleProgram(), 'bash'));
  // Files and folders to complete: a folder with a space, a file, a nested folder.
  mkdirSync(join(dir, 'work', 'my photos'), { recursive: true });
  mkdirSync(join(dir, 'work', 'inbox'));
  writeFileSync(join(dir, 'work', 'report.pdf'), 'x');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The words bash hands a completion function for `line`: `--dir=x` is three words, and a
 * trailing space starts an empty word. */
function bashWords(line: string): string[] {
  const words = line.split(' ').flatMap((w) => {
    const eq = w.indexOf('=');
    return w.startsWith('-') && eq > 0 ? [w.slice(0, eq), '=', w.slice(eq + 1)] : [w];
  });
  // "--accept=" leaves the cursor on the "=" word itself.
  if (line.endsWith('=')) words.pop();
  return words;
}

/** What Tab offers after `line`: the generated function, sourced in a real bash, fills COMPREPLY. */
function complete(line: string, cwd = join(dir, 'work')): string[] {
  const driver = `
source "$1" || exit 3
complete -p sample >/dev/null || exit 4
COMP_WORDS=("\${@:2}")
COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
COMP_LINE="\${COMP_WORDS[*]}"
COMP_POINT=\${#COMP_LINE}
_sample
printf '%s\\n' "\${COMPREPLY[@]}"
`;
  const out = execFileSync('bash', ['--norc', '--noprofile', '-c', driver, 'driver', scriptFile, ...bashWords(line)], { cwd, encoding: 'utf8' });
  return out.split('\n').filter((w) => w !== '');
}

describe('bash completion generated from a commander program', () => {
  it('registers itself for the program name', () => {
    expect(complete('sample ')).toEqual(expect.arrayContaining(['run', 'send', 'trust', 'help']));
  });

  it('completes command names and nested commands', () => {
    expect(complete('sample r')).toEqual(['run']);
    expect(complete('sample trust ').sort()).toEqual(['add', 'help', 'list', 'remove']);
    expect(complete('sample trust re')).toEqual(['remove']);
    expect(complete('sample help ')).toEqual(expect.arrayContaining(['run', 'send', 'trust']));
  });

  it('completes the options of the command the cursor is in, not hidden ones', () => {
    expect(complete('sample run --')).toEqual(expect.arrayContaining(['--accept', '--dir', '--name', '--peer', '--verbose', '--help']));
    expect(complete('sample run --')).not.toContain('--channels');
    expect(complete('sample --')).toEqual(expect.arrayContaining(['--version', '--help']));
    expect(complete('sample --')).not.toContain('--accept');
    expect(complete('sample send --t')).toEqual(['--to', '--timeout']);
  });

  it('completes the choices of an option, also after =', () => {
    expect(complete('sample run --accept ').sort()).toEqual(['all', 'none', 'trusted']);
    expect(complete('sample run --accept t')).toEqual(['trusted']);
    expect(complete('sample run --accept=t')).toEqual(['trusted']);
    expect(complete('sample run --accept=').sort()).toEqual(['all', 'none', 'trusted']);
  });

  it('completes folders for folder options and files for path arguments', () => {
    expect(complete('sample run --dir ').sort()).toEqual(['inbox', 'my photos']);
    expect(complete('sample run --dir my')).toEqual(['my photos']);
    expect(complete('sample send --to desk ').sort()).toEqual(['inbox', 'my photos', 'report.pdf']);
    expect(complete('sample send --to desk report.pdf r')).toEqual(['report.pdf']);
  });

  it('offers nothing for a free value instead of unrelated file names', () => {
    expect(complete('sample run --name ')).toEqual([]);
    expect(complete('sample send --to ')).toEqual([]);
  });

  it('skips the values of options, hidden ones too, when it finds the command', () => {
    expect(complete('sample --verbose run --port 5 --channels 4 --d')).toEqual(['--dir']);
    expect(complete('sample run --peer 10.0.0.1:4 --accept all --verbose --n')).toEqual(['--name']);
  });

  it('treats a command name after an operand, or after --, as a path', () => {
    // "run" is the first path here, so the cursor is in send's paths, not in a command.
    expect(complete('sample send --to x run --d')).toEqual(['--dir']);
    expect(complete('sample send -- --d')).toEqual([]);
  });
});

describe('what is read from the program', () => {
  it('uses the value name to tell folders and files from free values', () => {
    const program = new Command('tool')
      .option('--out <file>', 'output')
      .option('--cache-dir <dir>', 'cache')
      .option('--label <text>', 'label')
      .addOption(new Option('--level <n>', 'level').choices(['1', '2']))
      .argument('[inputs...]', 'inputs');
    const script = completionScript(program, 'bash');
    expect(script).toContain(`'|--out') echo files`);
    expect(script).toContain(`'|--cache-dir') echo directories`);
    expect(script).toContain(`'|--label') echo none`);
    expect(script).toContain(`'|--level') echo 'choices:1 2'`);
  });
});
