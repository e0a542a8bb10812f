import { safeForTerminal, type FileshareNode, type NodeEvent } from '@fileshare/core';
import { shellWord, short, trustAddCommand } from './format.js';
import type { OfferAnswer, OfferPrompter } from './offer-prompt.js';

export interface AskOptions {
  /** A sentence for the person (stderr). */
  tell(line: string): void;
  /** The agent's `--state-dir`, repeated in the trust commands it suggests. */
  stateDir?: string;
  /** Decline without asking (receive --once has its transfer already). */
  declineWithoutAsking?(): boolean;
  /** The person answered about this offer. */
  onAnswer?(transferId: string, answer: OfferAnswer): void;
}

type AskingNode = Pick<FileshareNode, 'subscribe' | 'respondToOffer' | 'trustPeer' | 'verificationCode'>;

/**
 * The `ask` accept policy on a terminal: the node holds each offer from an untrusted device
 * (`awaitingDecision`) and this asks the person, one offer at a time. Returns the function that
 * stops asking (offers still waiting are then decided by the node as it closes).
 */
export function askAboutOffers(node: AskingNode, prompter: OfferPrompter, options: AskOptions): () => void {
  const pending = new Map<string, AbortController>();

  const decide = async (e: Extract<NodeEvent, { event: 'transfer-offered' }>, controller: AbortController): Promise<void> => {
    const code = node.verificationCode(e.peerId);
    const answer = await prompter.ask(
      {
        peerId: e.peerId,
        peerName: e.peerName,
        ...(code !== undefined ? { verificationCode: code } : {}),
        files: e.files,
        totalBytes: e.totalBytes,
        ...(e.lookalikeOf !== undefined ? { lookalikeOf: e.lookalikeOf } : {}),
      },
      controller.signal,
    );
    pending.delete(e.transferId);
    if (answer === 'withdrawn') return;
    options.onAnswer?.(e.transferId, answer);
    if (answer !== 'trust') {
      node.respondToOffer(e.transferId, answer);
      return;
    }
    try {
      // Written to the trust file, and its waiting offers (this one included) are accepted.
      await node.trustPeer(e.peerId);
      options.tell(`trusted ${safeForTerminal(e.peerName)} (${short(e.peerId)}); its offers are accepted without asking from now on. Undo: fileshare-agent trust remove ${e.peerId}${options.stateDir !== undefined ? ` --state-dir ${shellWord(options.stateDir)}` : ''}`);
    } catch (error) {
      options.tell(`could not trust ${short(e.peerId)} (${error instanceof Error ? error.message : String(error)}); accepting this offer only. Later: ${trustAddCommand(e.peerId, options.stateDir)}`);
      node.respondToOffer(e.transferId, 'accept');
    }
  };

  const unsubscribe = node.subscribe((e) => {
    if (e.event === 'transfer-offered' && e.direction === 'receive' && e.awaitingDecision) {
      if (options.declineWithoutAsking?.() === true) {
        node.respondToOffer(e.transferId, 'decline');
        return;
      }
      const controller = new AbortController();
      pending.set(e.transferId, controller);
      void decide(e, controller);
      return;
    }
    // The sender withdrew it (cancelled, timed out, went away) while it waited for an answer.
    if ((e.event === 'transfer-failed' || e.event === 'transfer-complete') && pending.has(e.transferId)) {
      pending.get(e.transferId)!.abort();
      pending.delete(e.transferId);
    }
  });
  return () => {
    unsubscribe();
    for (const controller of pending.values()) controller.abort();
    pending.clear();
  };
}
