import { Command, InvalidArgumentError, Option } from 'commander';
import {
  createFileshareNode,
  FileshareError,
  safeForTerminal,
  type FileshareNode,
  type FileshareNodeInit,
  type NodeEvent,
} from '@fileshare/core';
import { parseDeviceId } from './device-id.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { exitWhenFlushed } from './exit.js';
import { describeEvent, formatBytes, formatDuration, formatRate, progressBar, trustAddCommand } from './format.js';
import { jsonLine } from './json.js';
import { stderrLogger } from './logger.js';
import { registerTrustCommands } from './trust-command.js';

interface CommonOptions {
  name?: string;
  port: number;
  stateDir?: string;
  interface?: string;
  peer: string[];
  dir?: string;
  json: boolean;
  verbose: boolean;
  channels?: number;
  mdnsTtl?: number;
}

type RunPolicy = 'all' | 'none' | 'trusted';

interface RunOptions extends CommonOptions {
  accept: RunPolicy;
  /** `--trust <id>`: trusted for this run only, never written to the trust file. */
  trust: string[];
}

const ACCEPT_HELP =
  'incoming offers: all = accept from any device that proves its id (never a look-alike of a trusted one), ' +
  'none = decline all, trusted = accept only from trusted devices (the trust file, see `trust`, and --trust) that prove their id';

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('a port is 0-65535 (0 = any free port)');
  return port;
}

function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function withCommonOptions(command: Command): Command {
  return command
    .option('--name <name>', 'name shown to other devices (default: host name)')
    .option('--port <port>', 'signaling TCP port, 0 = any free port', parsePort, 0)
    .option('--state-dir <dir>', 'where the device key (and so the device id) and the trusted devices are kept (default: ~/.config/fileshare)')
    .option('--interface <name-or-ip>', 'use only this network interface (default: all usable IPv4 interfaces)')
    .option('--peer <host:port>', 'also reach this peer by address, where multicast does not work (repeatable)', collect, [])
    .option('--dir <folder>', 'receive folder (default: ~/Downloads/fileshare)')
    .addOption(new Option('--channels <n>', 'data channels per transfer').argParser(parsePositive).hideHelp())
    .addOption(new Option('--mdns-ttl <seconds>', 'TTL of our mDNS records').argParser(parsePositive).hideHelp())
    .option('--json', 'print one JSON object per line on stdout', false)
    .option('-v, --verbose', 'log debug details to stderr', false);
}

function collectId(value: string, previous: string[]): string[] {
  return [...previous, parseDeviceId(value)];
}

function nodeInit(options: CommonOptions, accept: FileshareNodeInit['accept']): FileshareNodeInit {
  return {
    ...(options.name !== undefined ? { name: options.name } : {}),
    port: options.port,
    ...(options.stateDir !== undefined ? { stateDir: options.stateDir } : {}),
    ...(options.interface !== undefined ? { interface: options.interface } : {}),
    peers: options.peer,
    ...(options.dir !== undefined ? { receiveDir: options.dir } : {}),
    ...(options.channels !== undefined ? { channelsPerTransfer: Math.floor(options.channels) } : {}),
    ...(options.mdnsTtl !== undefined ? { mdnsTtlSeconds: Math.ceil(options.mdnsTtl) } : {}),
    accept,
    logger: stderrLogger(options.verbose ? 'debug' : 'warn', options.json),
  };
}

function printEvent(event: NodeEvent, options: Pick<CommonOptions, 'json' | 'stateDir'>): void {
  if (options.json) {
    process.stdout.write(`${jsonLine(event)}\n`);
    return;
  }
  const line = describeEvent(event, options.stateDir !== undefined ? { stateDir: options.stateDir } : {});
  if (line !== undefined) process.stdout.write(`${line}\n`);
}

/** Expected failures print one sentence; only bugs print a stack. */
async function fail(error: unknown, json: boolean): Promise<never> {
  const code = error instanceof FileshareError ? error.code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (json) process.stdout.write(`${jsonLine({ event: 'error', code: code ?? 'ERR_UNEXPECTED', message })}\n`);
  // The message may quote a peer (a name, a reason it sent), so it is printed inert.
  process.stderr.write(`fileshare-agent: ${safeForTerminal(message)}${code ? ` [${code}]` : ''}\n`);
  if (!(error instanceof FileshareError) && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return exitWhenFlushed(exitCodeFor(code));
}

/** Runs `body` with a node; closes it (mDNS goodbyes) on return, error, SIGINT or SIGTERM. */
async function withNode(init: FileshareNodeInit, json: boolean, body: (node: FileshareNode, signal: AbortSignal) => Promise<number>): Promise<never> {
  const controller = new AbortController();
  let node: FileshareNode | undefined;
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    controller.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    node = await createFileshareNode(init);
    const code = await body(node, controller.signal);
    await node.close();
    return await exitWhenFlushed(code);
  } catch (error) {
    await node?.close();
    return fail(error, json);
  }
}

async function runCommand(options: RunOptions): Promise<void> {
  const init: FileshareNodeInit = {
    ...nodeInit(options, options.accept),
    ...(options.trust.length > 0 ? { trust: [...new Set(options.trust)] } : {}),
    onEvent: (event: NodeEvent) => printEvent(event, options),
  };
  await withNode(init, options.json, async (node, signal) => {
    // Not an error (devices may be trusted while it runs), but worth a word: nothing gets in yet.
    if (options.accept === 'trusted' && node.trustedPeers().length === 0) {
      init.logger?.warn(`No trusted devices yet, so every offer is declined. Trust one after comparing its verification code: ${trustAddCommand('<id>', options.stateDir)}`);
    }
    await new Promise<void>((resolveStop) => signal.addEventListener('abort', () => resolveStop(), { once: true }));
    return EXIT.ok;
  });
}

/** A one-line progress bar on stderr, redrawn in place; only on a terminal. */
function progressRenderer(json: boolean): { update(e: NodeEvent): void; done(): void } {
  const tty = !json && process.stderr.isTTY;
  let drawn = false;
  return {
    update(e) {
      if (!tty || e.event !== 'transfer-progress') return;
      const eta = formatDuration(e.etaSeconds);
      process.stderr.write(`\r${progressBar(e.bytes, e.totalBytes)} ${formatBytes(e.bytes)}/${formatBytes(e.totalBytes)} ${formatRate(e.bytesPerSecond)} ETA ${eta}\u001b[K`);
      drawn = true;
    },
    done() {
      if (drawn) process.stderr.write('\n');
      drawn = false;
    },
  };
}

async function sendCommand(paths: string[], options: CommonOptions & { to: string; timeout: number; text?: string }): Promise<void> {
  if (paths.length === 0 && options.text === undefined) {
    process.stderr.write('fileshare-agent: nothing to send; name files or folders, or use --text.\n');
    return exitWhenFlushed(EXIT.usage);
  }
  const progress = progressRenderer(options.json);
  let transferId: string | undefined;
  const onEvent = (event: NodeEvent): void => {
    // Only our own transfer; peer events only in JSON or verbose mode.
    if ('transferId' in event && transferId !== undefined && event.transferId !== transferId) return;
    if (!('transferId' in event) && !options.json && !options.verbose && event.event !== 'warning' && !isTargetVerified(event, options.to)) return;
    progress.update(event);
    if (event.event !== 'transfer-progress') progress.done();
    printEvent(event, options);
  };
  // A sender declines whatever is offered to it: it is not a receiving daemon.
  const init = { ...nodeInit(options, 'none'), onEvent };
  await withNode(init, options.json, async (node, signal) => {
    try {
      const peer = await node.waitForPeer(options.to, { signal, timeoutMs: options.timeout * 1000 });
      const result =
        options.text !== undefined
          ? await node.sendText(peer.id, options.text, { signal })
          : await node.sendFiles(peer.id, paths, { signal, onStarted: (id: string) => (transferId = id) });
      transferId = result.transferId;
      progress.done();
      if (!options.json) {
        const total = result.files.reduce((sum, f) => sum + f.size, 0);
        process.stdout.write(`sent ${result.files.length} file(s), ${formatBytes(total)} to ${safeForTerminal(peer.name)} (${peer.id.slice(0, 8)}); receiver verified every SHA-256\n`);
      }
      return EXIT.ok;
    } finally {
      progress.done();
    }
  });
}

/** The receiver's `peer-verified` (its verification code) is worth a line even without --verbose. */
function isTargetVerified(event: NodeEvent, to: string): boolean {
  if (event.event !== 'peer-verified') return false;
  const wanted = to.toLowerCase();
  return event.peerId === wanted || (wanted.length >= 4 && event.peerId.startsWith(wanted)) || event.name.toLowerCase() === wanted;
}

const program = new Command()
  .name('fileshare-agent')
  .description('Headless fileshare: peer-to-peer file transfer on the local network (mDNS + WebRTC).')
  .version('0.1.0')
  .showHelpAfterError()
  // Set before the subcommands are added so that they inherit it: usage errors exit 2.
  .exitOverride((error) => {
    process.exit(error.exitCode === 0 ? 0 : EXIT.usage);
  });

withCommonOptions(
  program
    .command('run')
    .description('run a node until SIGINT/SIGTERM: find peers, connect, receive files')
    .addOption(new Option('--accept <policy>', ACCEPT_HELP).choices(['all', 'none', 'trusted']).default('none'))
    .option('--trust <id>', 'also trust this device id for this run only, not saved (repeatable; full 32-digit id)', collectId, []),
).action((options: RunOptions) => runCommand(options));

withCommonOptions(
  program
    .command('send')
    .description('send files and folders (or --text) to a peer; exits 0 once the receiver verified everything')
    .requiredOption('--to <peer>', 'device id, id prefix (4+ characters) or name of the receiver')
    .option('--timeout <seconds>', 'how long to wait for the peer to connect', parsePositive, 30)
    .option('--text <text>', 'send this text instead of files')
    .argument('[paths...]', 'files and folders to send'),
).action((paths: string[], options: CommonOptions & { to: string; timeout: number; text?: string }) => sendCommand(paths, options));

registerTrustCommands(program, fail);

await program.parseAsync(process.argv);
