import type { UiState } from './types.js';

/** What fills the screen below the header; also decides which keys mean what. */
export type View = 'help' | 'send' | 'offer' | 'text' | 'main';

/**
 * An incoming offer waits while the user types a path: popping a prompt that takes single-letter
 * keys over a text field would turn typing into accidental decisions.
 */
export function currentView(state: UiState): View {
  if (state.screen === 'help') return 'help';
  if (state.screen === 'send' && state.draft) return 'send';
  if (state.offers.length > 0) return 'offer';
  if (state.texts.length > 0) return 'text';
  return 'main';
}

export function keyHints(state: UiState, view: View): string {
  switch (view) {
    case 'help':
      return `esc back · q quit${waitingNote(state)}`;
    case 'send':
      return `tab complete · enter add/send · backspace on empty line removes last · esc back${waitingNote(state)}`;
    case 'offer':
      return 'a accept · d decline · t always from this peer · ? help · q quit';
    case 'text':
      return 'enter or esc close · q quit';
    case 'main': {
      const transfers = state.transfers.length > 0;
      if (state.focus === 'transfers') return '↑↓ choose transfer · c cancel it · tab peers · ? help · q quit';
      return `↑↓ choose peer · enter send${transfers ? ' · tab transfers · c cancel' : ''} · ? help · q quit`;
    }
  }
}

function waitingNote(state: UiState): string {
  if (state.offers.length > 0) return ' · an incoming offer is waiting';
  if (state.texts.length > 0) return ' · a message is waiting';
  return '';
}
