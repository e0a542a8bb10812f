import type { FileshareNode } from '@fileshare/core';
import { type Key, useInput } from 'ink';
import { useCallback, useRef } from 'react';
import { activeCount } from '../state/reducer.js';
import type { Input, UiState } from '../state/types.js';
import { currentView } from '../state/view.js';

export interface KeyboardDeps {
  state: UiState;
  dispatch: (input: Input) => void;
  node: FileshareNode;
  quit: () => void;
  complete: () => void;
}

/** Every key binding of the app, by view; text typed into the path field is the field's own. */
export function useKeyboard(deps: KeyboardDeps): void {
  // Read through a ref: keys that arrive in one burst (a paste, tmux send-keys) must each see
  // the state the previous key produced, not the state of the last effect run.
  const latest = useRef(deps);
  latest.current = deps;
  useInput(useCallback((input: string, key: Key) => handleKey(latest.current, input, key), []));
}

export function handleKey({ state, dispatch, node, quit, complete }: KeyboardDeps, input: string, key: Key): void {
  if (key.ctrl && input === 'c') {
    quit();
    return;
  }
  const requestQuit = () => {
    if (activeCount(state) > 0 && !state.quitArmed) dispatch({ type: 'arm-quit' });
    else quit();
  };

  switch (currentView(state)) {
    case 'send':
      if (key.escape) dispatch({ type: 'close-dialog' });
      else if (key.tab) complete();
      else if ((key.backspace || key.delete) && state.draft?.input === '') dispatch({ type: 'draft-remove-last' });
      return;

    case 'help':
      if (key.escape || input === '?') dispatch({ type: 'toggle-help' });
      else if (input === 'q') requestQuit();
      return;

    case 'offer': {
      const offer = state.offers[0]!;
      if (input === 'a') {
        node.respondToOffer(offer.transferId, 'accept');
        dispatch({ type: 'offer-decided', transferId: offer.transferId, decision: 'accept' });
      } else if (input === 'd') {
        node.respondToOffer(offer.transferId, 'decline');
        dispatch({ type: 'offer-decided', transferId: offer.transferId, decision: 'decline' });
      } else if (input === 't') {
        node.trustPeerForSession(offer.peerId);
        // "Always" includes what that peer already queued up behind this offer.
        for (const o of state.offers.filter((x) => x.peerId === offer.peerId)) {
          node.respondToOffer(o.transferId, 'accept');
          dispatch({ type: 'offer-decided', transferId: o.transferId, decision: o === offer ? 'trust' : 'accept' });
        }
      } else if (input === '?') dispatch({ type: 'toggle-help' });
      else if (input === 'q') requestQuit();
      return;
    }

    case 'text':
      if (key.return || key.escape) dispatch({ type: 'dismiss-text' });
      else if (input === 'q') requestQuit();
      return;

    case 'main':
      if (key.upArrow || input === 'k') dispatch({ type: 'move-selection', delta: -1 });
      else if (key.downArrow || input === 'j') dispatch({ type: 'move-selection', delta: 1 });
      else if (key.tab) dispatch({ type: 'toggle-focus' });
      else if (key.return || input === 's') {
        if (state.focus === 'peers') dispatch({ type: 'open-send' });
      } else if (input === 'c' || input === 'x') {
        const transfer = state.transfers.find((t) => t.id === state.selectedTransferId);
        if (transfer) {
          node.cancelTransfer(transfer.id);
          dispatch({ type: 'notice', notice: { kind: 'info', text: `Cancelling the transfer ${transfer.direction === 'send' ? 'to' : 'from'} ${transfer.peerName}…` } });
        } else {
          dispatch({ type: 'notice', notice: { kind: 'info', text: 'No transfer to cancel.' } });
        }
      } else if (input === '?') dispatch({ type: 'toggle-help' });
      else if (key.escape) dispatch({ type: 'clear-notice' });
      else if (input === 'q') requestQuit();
      return;
  }
}
