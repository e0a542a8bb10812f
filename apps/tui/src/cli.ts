import { resolve } from 'node:path';
import type { FileshareNodeInit } from '@fileshare/core';
import { addCompletionCommand } from '@fileshare/cli-completion';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { resolveInput } from './completion.js';
import { EXIT_OK, EXIT_USAGE } from './constants.js';

export interface TuiOptions {
  /** What `createFileshareNode` gets; the TUI always asks before accepting. */
  init: FileshareNodeInit;
  /** `--to <peer> <paths...>`, paths made absolute. */
  send?: { to: string; paths: string[] };
}

export type CliParse = { kind: 'run'; options: TuiOptions } | { kind: 'exit'; code: number; stdout: string; stderr: string };

const EXAMPLES = `
Keys inside the app: arrows choose, enter sends, tab completes paths, v shows a peer's
verification code (compare it, then trust), ? shows help, q quits.

Examples:
  fileshare                              find peers, send and receive interactively
  fileshare --to desk-pc report.pdf      send report.pdf to desk-pc as soon as it connects
  fileshare --dir ~/incoming             save received files in ~/incoming
  fileshare --peer 192.168.1.7:41234     also reach a peer where multicast is blocked
`;

/**
 * Parses the command line without exiting or printing, so callers decide both (and tests can
 * check them). Option names match the agent's where they mean the same thing.
 */
export function parseCli(argv: readonly string[], version: string, cwd: string = process.cwd()): CliParse {
  let stdout = '';
  let stderr = '';
  const program = new Command()
    .name('fileshare')
    .description('Send files to devices on your local network, peer to peer: no server, no cloud.')
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .argument('[paths...]', 'files or folders to send with --to')
    .option('--to <peer>', 'send the paths to this peer (name, device id or id prefix) once it connects')
    .option('--name <name>', 'name other devices see (default: this host name)')
    .option('--dir <folder>', 'folder received files are saved in (default: ~/Downloads/fileshare)')
    .option('--state-dir <folder>', 'folder that holds this device key and id, the trusted devices and the history (default: ~/.config/fileshare)')
    .option('--port <port>', 'TCP port for signaling, 0 picks a free one (default: 0)', parsePort)
    .option('--interface <name-or-ip>', 'use only this network interface (default: every IPv4 interface)')
    .option('--peer <host:port>', 'reach a peer by address where multicast does not work (repeatable)', collect, [] as string[])
    .addHelpText('after', EXAMPLES)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => (stdout += s),
      writeErr: (s) => (stderr += s),
    })
    // With a subcommand (completion) commander runs the program's own action only if it has one;
    // and `help` must stay a path one can send, not a command.
    .action(() => undefined)
    .helpCommand(false);
  const completion = addCompletionCommand(program);

  try {
    program.parse([...argv], { from: 'user' });
    if (completion.printed) return { kind: 'exit', code: EXIT_OK, stdout, stderr };
  } catch (error) {
    if (error instanceof CommanderError) {
      const ok = error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help';
      return { kind: 'exit', code: ok ? EXIT_OK : EXIT_USAGE, stdout, stderr };
    }
    throw error;
  }

  const o = program.opts<{ to?: string; name?: string; dir?: string; stateDir?: string; port?: number; interface?: string; peer: string[] }>();
  const paths = program.args;
  if (paths.length > 0 && o.to === undefined) {
    return usage(`${paths.length === 1 ? 'a path was' : 'paths were'} given without --to: use fileshare --to <peer> <path>...`);
  }
  if (o.to !== undefined && paths.length === 0) return usage('--to needs at least one file or folder to send.');

  const init: FileshareNodeInit = { accept: 'ask' };
  if (o.name !== undefined) init.name = o.name;
  if (o.dir !== undefined) init.receiveDir = resolveInput(o.dir, { cwd });
  if (o.stateDir !== undefined) init.stateDir = resolveInput(o.stateDir, { cwd });
  if (o.port !== undefined) init.port = o.port;
  if (o.interface !== undefined) init.interface = o.interface;
  if (o.peer.length > 0) init.peers = o.peer;
  const options: TuiOptions = { init };
  if (o.to !== undefined) options.send = { to: o.to, paths: paths.map((p) => resolve(cwd, p)) };
  return { kind: 'run', options };
}

function usage(message: string): CliParse {
  return { kind: 'exit', code: EXIT_USAGE, stdout: '', stderr: `error: ${message}\n(fileshare --help lists every option)\n` };
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('It must be a number from 0 to 65535.');
  return port;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
