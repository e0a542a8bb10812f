import { addToDraft, editDraft, newDraft } from './draft.js';
import type { CliSend, PeerView, SendDraft, UiAction, UiState } from './types.js';

/**
 * The reducer's part for the path line, the cancel question, the dialog an offer interrupts and
 * the `--to` wait; reducer.ts hands these actions here.
 */
export type DialogAction = Extract<UiAction, { type: 'draft-edit' | 'draft-add-many' | 'cli-send-waited-long' | 'ask-cancel' | 'answer-cancel' }>;

export function reduceDialogs(state: UiState, a: DialogAction): UiState {
  switch (a.type) {
    case 'draft-edit':
      return state.draft ? { ...state, draft: editDraft(state.draft, a.command) } : state;

    case 'draft-add-many': {
      if (!state.draft) return state;
      const options: { input?: string; error?: string } = {};
      if (a.input !== undefined) options.input = a.input;
      if (a.error !== undefined) options.error = a.error;
      return { ...state, draft: addToDraft(state.draft, a.paths, options) };
    }

    case 'cli-send-waited-long':
      return state.cliSend?.status === 'waiting' ? { ...state, cliSend: { ...state.cliSend, waitedLong: true } } : state;

    case 'ask-cancel':
      return state.transfers.some((t) => t.id === a.transferId) ? { ...state, cancelAsked: a.transferId } : state;

    case 'answer-cancel':
      return withoutCancelQuestion(state);
  }
}

export function withoutCancelQuestion(state: UiState): UiState {
  const { cancelAsked: _c, ...rest } = state;
  return rest;
}

/**
 * The draft for a newly opened send dialog. While a `--to` send still finds no peer after the
 * bound, its paths are filled in: choosing a peer and pressing enter sends them there instead.
 */
export function draftFor(state: UiState, peer: PeerView): SendDraft {
  const cli = state.cliSend;
  if (cli?.status === 'waiting' && cli.waitedLong === true) {
    return { ...newDraft(peer.id, peer.name, cli.paths), fromCli: true, note: `The files given with --to ${cli.to} are listed: enter on the empty line sends them to ${peer.name}.` };
  }
  return newDraft(peer.id, peer.name);
}

/**
 * esc in the send dialog. With an offer waiting the draft is kept, not dropped: the offer shows,
 * and once it (and any behind it) is answered the dialog comes back as it was (`restoreParked`).
 */
export function closeSendDialog(state: UiState): UiState {
  if (state.offers.length > 0 && state.draft) return { ...state, screen: 'main' };
  const { draft: _d, ...rest } = state;
  return { ...rest, screen: 'main' };
}

/** A kept draft (screen `main` with a draft) reopens once no offer or trust question waits. */
export function restoreParked(state: UiState): UiState {
  if (state.draft && state.screen === 'main' && state.offers.length === 0 && !state.trust) return { ...state, screen: 'send' };
  return state;
}

/** Sending the pre-filled `--to` paths elsewhere ends the wait for the peer named on the command line. */
export function redirectedCliSend(state: UiState, paths: readonly string[], peerName: string): CliSend | undefined {
  const cli = state.cliSend;
  if (!cli || cli.status !== 'waiting' || !state.draft?.fromCli) return cli;
  if (!cli.paths.every((p) => paths.includes(p))) return cli;
  return { ...cli, status: 'redirected', message: peerName };
}
