import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Option, type Command } from 'commander';
import { safeForTerminal, type FileshareNode, type FileshareNodeInit, type Logger, type NodeEvent } from '@fileshare/core';
import { askAboutOffers } from '../ask-offers.js';
import { CONTROL_SOCKET_FILE, type ReadyEvent } from '../control/protocol.js';
import { openControlServer, type ControlHandler, type ControlServer } from '../control/server.js';
import { EXIT } from '../exit-codes.js';
import { exitWhenFlushed } from '../exit.js';
import { shellWord, short, trustAddCommand } from '../format.js';
import { RUN_HELP } from '../help.js';
import { jsonLine } from '../json.js';
import { OfferPrompter } from '../offer-prompt.js';
import { collectId, nodeInit, stateDirOf, withCommonOptions, type CommonOptions } from '../options.js';
import { note, out, printEvent, reportError } from '../output.js';
import { sendToPeers } from '../send/send-to-peers.js';
import { untilAborted, watchInterrupts, withNode } from '../session.js';
import { onTerminal, receivePolicy } from './receive.js';

type RunPolicy = 'all' | 'none' | 'trusted' | 'ask';

export interface RunOptions extends CommonOptions {
  accept: RunPolicy;
  /** `--trust <id>`: trusted for this run only, never written to the trust file. */
  trust?: string[];
  /** `--no-control-socket` sets it false. */
  controlSocket: boolean;
}

const ACCEPT_HELP =
  'incoming offers: all = accept from any device that proves its id (never a look-alike of a trusted one), ' +
  'none = decline all, trusted = accept only from trusted devices (the trust file, see `trust`, and --trust) that prove their id, ' +
  'ask = ask on this terminal (trusted devices are accepted without asking)';

/** The command that runs this agent again, accepting: what the first declined offer suggests. */
export function acceptCommand(options: Pick<RunOptions, 'stateDir' | 'dir'>): string {
  const extra = [...(options.stateDir !== undefined ? ['--state-dir', shellWord(options.stateDir)] : []), ...(options.dir !== undefined ? ['--dir', shellWord(options.dir)] : [])];
  return ['fileshare-agent run --accept trusted', ...extra].join(' ');
}

/** The daemon's side of the control socket: its node does what local commands ask. */
function nodeControlHandler(node: FileshareNode, ready: ReadyEvent, startedAt: number): ControlHandler {
  return {
    ready: () => ready,
    async peers(waitSeconds, signal) {
      // A daemon that has run for `waitSeconds` already knows what a fresh node would find in that time.
      const remaining = waitSeconds * 1000 - (Date.now() - startedAt);
      if (remaining > 0) await delay(remaining, undefined, { signal }).catch(() => undefined);
      return node.peers();
    },
    send: (request, options) => sendToPeers(node, request, { ...options, announceVerified: true }),
  };
}

async function run(options: RunOptions, signal: AbortSignal): Promise<number> {
  let policy: RunPolicy = options.accept;
  try {
    if (policy === 'ask') policy = receivePolicy('ask', onTerminal(), 'run');
  } catch (error) {
    return reportError(error, options.json);
  }
  let ready: ReadyEvent | undefined;
  let ephemeral = false;
  let hinted = false;
  let running: FileshareNode | undefined;
  const hintOnce = (event: NodeEvent): void => {
    if (hinted || policy !== 'none' || event.event !== 'transfer-failed' || event.direction !== 'receive' || event.code !== 'ERR_TRANSFER_DECLINED') return;
    hinted = true;
    const command = acceptCommand(options);
    const name = running?.findPeer(event.peerId)?.name;
    const message = `declined an offer from ${name !== undefined ? `${safeForTerminal(name)} ` : ''}(${short(event.peerId)}): this agent runs with --accept none (the default), which declines every offer. To receive, run it with --accept all|trusted|ask, e.g.: ${command}`;
    if (options.json) out(jsonLine({ event: 'warning', code: 'WARN_ACCEPT_NONE', message, peerId: event.peerId, command }));
    note(`fileshare-agent: ${message}`);
  };
  const init: FileshareNodeInit = {
    ...nodeInit(options, policy),
    ...(options.trust !== undefined && options.trust.length > 0 ? { trust: [...new Set(options.trust)] } : {}),
    onEvent: (event: NodeEvent) => {
      if (event.event === 'ready') ready = event;
      if (event.event === 'warning' && event.code === 'WARN_EPHEMERAL_IDENTITY') ephemeral = true;
      if (!(policy === 'ask' && !options.json && event.event === 'transfer-offered' && event.awaitingDecision)) printEvent(event, options);
      hintOnce(event);
    },
  };
  return withNode(init, options.json, async (node) => {
    running = node;
    // Not an error (devices may be trusted while it runs), but worth a word: nothing gets in yet.
    if (policy === 'trusted' && node.trustedPeers().length === 0) {
      init.logger?.warn(`No trusted devices yet, so every offer is declined. Trust one after comparing its verification code: ${trustAddCommand('<id>', options.stateDir)}`);
    }
    const prompter = policy === 'ask' ? new OfferPrompter(process.stdin, process.stderr) : undefined;
    const stopAsking = prompter !== undefined ? askAboutOffers(node, prompter, { tell: note, ...(options.stateDir !== undefined ? { stateDir: options.stateDir } : {}) }) : undefined;
    const control = await openControl(node, ready, ephemeral, options, init.logger!);
    await untilAborted(signal);
    await control?.close();
    stopAsking?.();
    prompter?.close();
    return EXIT.ok;
  });
}

/** Opens the control socket, and says where (a `control-socket` event) or why not (a warning). */
async function openControl(node: FileshareNode, ready: ReadyEvent | undefined, ephemeral: boolean, options: RunOptions, logger: Logger): Promise<ControlServer | undefined> {
  if (!options.controlSocket || ready === undefined) return undefined;
  if (ephemeral) {
    logger.warn('This agent has a temporary device id (another agent uses the state folder), so it opens no control socket; send and peers use that other agent.');
    return undefined;
  }
  const path = join(stateDirOf(options), CONTROL_SOCKET_FILE);
  let opened: Awaited<ReturnType<typeof openControlServer>>;
  try {
    opened = await openControlServer(path, nodeControlHandler(node, ready, Date.now()), logger);
  } catch (error) {
    // The node runs on without it: receiving does not need the socket.
    opened = { reason: error instanceof Error ? error.message : String(error) };
  }
  if (opened.server === undefined) {
    logger.warn(`No control socket: ${opened.reason}. send and peers on this state folder start their own node.`);
    return undefined;
  }
  if (options.json) out(jsonLine({ event: 'control-socket', path }));
  else out(`control socket: ${path} (send and peers with this state folder use this agent)`);
  return opened.server;
}

export function registerRunCommand(program: Command): void {
  withCommonOptions(
    program
      .command('run')
      .description('run a node until SIGINT/SIGTERM: find peers, connect, receive files; local send/peers use it')
      .addOption(new Option('--accept <policy>', ACCEPT_HELP).choices(['all', 'none', 'trusted', 'ask']).default('none'))
      .option('--trust <id>', 'also trust this device id for this run only, not saved (repeatable; full 32-digit id)', collectId)
      .option('--no-control-socket', 'do not open the control socket (send and peers then start their own node)'),
  )
    .addHelpText('after', RUN_HELP)
    .action(async (options: RunOptions) => {
      const interrupts = watchInterrupts();
      const code = await run(options, interrupts.signal);
      interrupts.dispose();
      await exitWhenFlushed(code);
    });
}
