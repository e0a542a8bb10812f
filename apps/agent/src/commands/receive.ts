import { Option, type Command } from 'commander';
import type { FileshareNode, FileshareNodeInit, NodeEvent } from '@fileshare/core';
import { askAboutOffers } from '../ask-offers.js';
import { exitWhenFlushed } from '../exit.js';
import { RECEIVE_HELP } from '../help.js';
import { OfferPrompter } from '../offer-prompt.js';
import { collectId, nodeInit, withCommonOptions, type CommonOptions } from '../options.js';
import { note, printEvent, reportError, UsageError } from '../output.js';
import { ReceiveTracker } from '../receive-tracker.js';
import { untilAborted, watchInterrupts, withNode } from '../session.js';

export type ReceivePolicy = 'all' | 'trusted' | 'ask';

export interface ReceiveOptions extends CommonOptions {
  once: boolean;
  accept?: ReceivePolicy;
  trust?: string[];
}

/** Whether a person is there to answer: questions go to stderr, answers come from stdin. */
export function onTerminal(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}

/**
 * The policy `receive` runs with. On a terminal the default is to ask; without one nobody can
 * answer, so the caller must say (a script that silently accepted everything would be unsafe, and
 * one that declined everything useless).
 */
export function receivePolicy(given: ReceivePolicy | undefined, terminal: boolean, verb = 'receive'): ReceivePolicy {
  if (given === 'ask' && !terminal) {
    throw new UsageError(`--accept ask needs a terminal to ask on (stdin and stderr); without one, use --accept trusted or --accept all.`);
  }
  if (given !== undefined) return given;
  if (terminal) return 'ask';
  throw new UsageError(`${verb} is not on a terminal, so nobody can be asked about offers: say which to take with --accept trusted (trusted devices only) or --accept all.`);
}

const POLICY_WORDS: Record<ReceivePolicy, string> = {
  ask: 'asking here about offers from untrusted devices',
  trusted: 'accepting trusted devices only',
  all: 'accepting any device that proves its id',
};

async function receive(options: ReceiveOptions, signal: AbortSignal): Promise<number> {
  let policy: ReceivePolicy;
  try {
    policy = receivePolicy(options.accept, onTerminal());
  } catch (error) {
    return reportError(error, options.json);
  }
  const tracker = new ReceiveTracker(options.once);
  const init: FileshareNodeInit = {
    ...nodeInit(options, policy),
    ...(options.trust !== undefined && options.trust.length > 0 ? { trust: [...new Set(options.trust)] } : {}),
    onEvent: (event: NodeEvent) => {
      // The prompt tells about an offer it asks about; a line as well would say it twice.
      if (!(policy === 'ask' && !options.json && event.event === 'transfer-offered' && event.awaitingDecision)) printEvent(event, options);
      tracker.observe(event);
    },
  };
  return withNode(init, options.json, async (node) => {
    const prompter = policy === 'ask' ? new OfferPrompter(process.stdin, process.stderr) : undefined;
    const stopAsking =
      prompter !== undefined
        ? askAboutOffers(node, prompter, {
            tell: note,
            ...(options.stateDir !== undefined ? { stateDir: options.stateDir } : {}),
            declineWithoutAsking: () => options.once && tracker.taken,
            onAnswer: (transferId, answer) => tracker.answered(transferId, answer),
          })
        : undefined;
    if (!options.json) note(`waiting for ${options.once ? 'one transfer' : 'transfers'}, ${POLICY_WORDS[policy]}; Ctrl-C to stop`);
    try {
      const interrupted = untilAborted(signal).then(() => undefined);
      const code = await Promise.race([tracker.done, interrupted]);
      if (code === undefined) return tracker.interruptedCode();
      if (tracker.decidedPeerId !== undefined) await senderHeard(node, tracker.decidedPeerId, signal);
      return code;
    } finally {
      stopAsking?.();
      prompter?.close();
    }
  });
}

/** How long `--once` waits, at most, for the sender to take in the transfer's last word. */
const LAST_WORD_MS = 1500;

/**
 * Our last message of a transfer (its `complete`, or a decline) is in flight when the transfer
 * ends here; closing the node at once can drop it, and the sender would report a lost peer for a
 * transfer that arrived whole. So wait until the sender hangs up (a `send` does once it has the
 * answer) or a moment has passed (a daemon stays connected).
 */
function senderHeard(node: Pick<FileshareNode, 'subscribe' | 'findPeer'>, peerId: string, signal: AbortSignal): Promise<void> {
  if (node.findPeer(peerId)?.state !== 'connected') return Promise.resolve();
  return new Promise((heard) => {
    const done = (): void => {
      clearTimeout(timer);
      unsubscribe();
      signal.removeEventListener('abort', done);
      heard();
    };
    const timer = setTimeout(done, LAST_WORD_MS);
    const unsubscribe = node.subscribe((e) => {
      if ((e.event === 'peer-state' && e.peerId === peerId && e.state === 'not-connected') || (e.event === 'peer-removed' && e.peerId === peerId)) done();
    });
    signal.addEventListener('abort', done, { once: true });
  });
}

export function registerReceiveCommand(program: Command): void {
  withCommonOptions(
    program
      .command('receive')
      .description('receive files (or text) until Ctrl-C, or with --once exactly one transfer, and exit with its code')
      .option('--once', 'exit after one transfer (or text), with its exit code', false)
      .addOption(new Option('--accept <policy>', 'which offers to take: ask (default on a terminal), trusted, all; see below').choices(['all', 'trusted', 'ask']))
      .option('--trust <id>', 'also trust this device id for this run only, not saved (repeatable; full 32-digit id)', collectId),
  )
    .addHelpText('after', RECEIVE_HELP)
    .action(async (options: ReceiveOptions) => {
      const interrupts = watchInterrupts();
      const code = await receive(options, interrupts.signal);
      interrupts.dispose();
      await exitWhenFlushed(code);
    });
}
