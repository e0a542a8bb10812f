import type { UiState } from './types.js';

/** What fills the screen below the header; also decides which keys mean what. */
export type View = 'help' | 'send' | 'compose' | 'trust' | 'offer' | 'text' | 'main';

/**
 * An incoming offer waits while the user types a path: popping a prompt that takes single-letter
 * keys over a text field would turn typing into accidental decisions.
 */
export function currentView(state: UiState): View {
  if (state.screen === 'help') return 'help';
  if (state.screen === 'send' && state.draft) return 'send';
  if (state.screen === 'compose' && state.compose) return 'compose';
  if (state.trust) return 'trust';
  if (state.offers.length > 0) return 'offer';
  if (state.texts.length > 0) return 'text';
  return 'main';
}

export function keyHints(state: UiState, view: View): string {
  switch (view) {
    case 'help':
      return `esc back · q quit${waitingNote(state)}`;
    case 'send':
      return `tab complete · enter add, on empty line send · ctrl+a/e/u/k/w/y edit · esc back${waitingNote(state)}`;
    case 'trust':
      return trustHints(state);
    case 'offer':
      return 'a accept · d decline · b block · t always accept (trust) · ? help · q quit';
    case 'compose':
      return `enter send · alt+enter or ctrl+j new line · ctrl+u clear line · esc later${waitingNote(state)}`;
    case 'text':
      return '↑↓ pgup pgdn scroll · c copy (clipboard and file) · enter or esc close · q quit';
    case 'main': {
      if (state.cancelAsked !== undefined) return 'y cancel the transfer · n or esc keep it going';
      const transfers = state.transfers.length > 0;
      if (state.focus === 'transfers') return `↑↓ choose transfer · c cancel it · tab ${state.history.length > 0 ? 'history' : 'peers'} · ? help · q quit`;
      if (state.focus === 'history') return '↑↓ choose entry · enter or o open its folder · tab peers · ? help · q quit';
      // At most 80 columns: with transfers there is no room for "peer" after "choose".
      return transfers
        ? '↑↓ choose · enter send · m message · v verify · tab transfers · ? help · q quit'
        : `↑↓ choose peer · enter send · m message · v verify${state.history.length > 0 ? ' · tab history' : ''} · ? help · q quit`;
    }
  }
}

function trustHints(state: UiState): string {
  const t = state.trust!;
  if (t.transferId !== undefined) return 'y codes match: trust · n this session only · b codes differ: block · esc back';
  if (t.trusted) return 'u stop trusting · esc close';
  if (t.code === undefined) return 'esc close';
  return 'y codes match: trust · n or esc close';
}

function waitingNote(state: UiState): string {
  // A waiting offer has its own banner above the dialog (ui/OfferBanner.tsx).
  if (state.offers.length > 0) return '';
  if (state.texts.length > 0) return ' · a message is waiting';
  return '';
}
