import { Option, type Command } from 'commander';
import { defaultStateDir, openTrustStore, safeForTerminal, type TrustedPeer } from '@fileshare/core';
import { parseDeviceId } from './device-id.js';
import { EXIT } from './exit-codes.js';
import { exitWhenFlushed } from './exit.js';
import { EXIT_CODES_HELP } from './help.js';
import { jsonLine } from './json.js';

export interface TrustOptions {
  stateDir?: string;
  json: boolean;
}

const out = (line: string): void => void process.stdout.write(`${line}\n`);

/**
 * `fileshare-agent trust list`: the trust file, without starting a node (so it works while an
 * agent runs, and on a machine with no network).
 */
export function trustList(options: TrustOptions): number {
  const store = openTrustStore(stateDirOf(options));
  const peers = store.list();
  if (options.json) {
    out(jsonLine({ event: 'trusted-peers', peers }));
    return EXIT.ok;
  }
  if (peers.length === 0) {
    out('No trusted devices. Trust one after comparing its verification code: fileshare-agent trust add <id>');
    return EXIT.ok;
  }
  out(`${peers.length} trusted device${peers.length === 1 ? '' : 's'}:`);
  for (const p of peers) out(describeTrusted(p));
  return EXIT.ok;
}

/** `fileshare-agent trust add <id> [--name N]`: `id` was validated by the argument parser. */
export function trustAdd(id: string, options: TrustOptions & { name?: string }): number {
  const store = openTrustStore(stateDirOf(options));
  const peer = store.add({ id, ...(options.name !== undefined ? { name: options.name } : {}) });
  if (options.json) out(jsonLine({ event: 'peer-trusted', peer }));
  else out(`trusted ${describeTrusted(peer).trim()}; \`run --accept trusted\` accepts its offers once it proves this id`);
  return EXIT.ok;
}

/** `fileshare-agent trust remove <id>`: removing an id that is not there is not an error. */
export function trustRemove(id: string, options: TrustOptions): number {
  const store = openTrustStore(stateDirOf(options));
  const removed = store.remove(id);
  if (options.json) out(jsonLine({ event: 'peer-untrusted', peerId: id, removed }));
  else out(removed ? `removed ${id} from the trusted devices` : `${id} was not trusted; nothing changed`);
  return EXIT.ok;
}

function stateDirOf(options: TrustOptions): string {
  return options.stateDir ?? defaultStateDir();
}

function describeTrusted(p: TrustedPeer): string {
  const name = p.name.length > 0 ? safeForTerminal(p.name) : '(no name)';
  return `  ${p.id}  ${name}  added ${p.addedAt.slice(0, 10)}`;
}

/** How main reports an error (one sentence, a JSON error event with --json) and exits. */
type Fail = (error: unknown, json: boolean) => Promise<never>;

/**
 * `fileshare-agent trust list|add|remove`. Added to the program after its exit override is set,
 * so a usage error (a malformed id) exits 2 like every other one.
 */
export function registerTrustCommands(program: Command, fail: Fail): void {
  const trust = program
    .command('trust')
    .description('list, add or remove trusted devices (the trust file in the state folder); no node is started')
    .addHelpText(
      'after',
      '\nTrust a device only after comparing the verification code that `run` prints for it (peer-verified)\n' +
        'with the code shown on that device. `run --accept trusted` accepts offers only from these devices.\n' +
        '\nExamples:\n' +
        '  fileshare-agent trust list\n' +
        '  fileshare-agent trust add fbcedc8d3bd6a24398c27a0eff260e47 --name desk-pc\n' +
        '  fileshare-agent trust remove fbcedc8d3bd6a24398c27a0eff260e47\n' +
        EXIT_CODES_HELP,
    );
  // Runs a verb; its errors (an insecure state folder: exit 7) end like any other.
  const verb = async (options: TrustOptions, body: () => number): Promise<never> => {
    let code: number;
    try {
      code = body();
    } catch (error) {
      return fail(error, options.json);
    }
    return exitWhenFlushed(code);
  };
  const stateDirOption = (): Option => new Option('--state-dir <dir>', 'state folder holding the trust file (default: ~/.config/fileshare)');
  const jsonOption = (): Option => new Option('--json', 'print one JSON object on stdout').default(false);

  trust
    .command('list')
    .description('list the trusted devices')
    .addOption(stateDirOption())
    .addOption(jsonOption())
    .action((options: TrustOptions) => verb(options, () => trustList(options)));

  trust
    .command('add')
    .description('trust a device by its full id (after comparing its verification code)')
    .argument('<id>', 'the device id, 32 hex digits', parseDeviceId)
    .option('--name <name>', 'a name to remember it by, shown by `trust list`')
    .addOption(stateDirOption())
    .addOption(jsonOption())
    .action((id: string, options: TrustOptions & { name?: string }) => verb(options, () => trustAdd(id, options)));

  trust
    .command('remove')
    .description('stop trusting a device')
    .argument('<id>', 'the device id, 32 hex digits', parseDeviceId)
    .addOption(stateDirOption())
    .addOption(jsonOption())
    .action((id: string, options: TrustOptions) => verb(options, () => trustRemove(id, options)));
}
