import type { FileshareNode } from '@fileshare/core';
import { type Key, useInput } from 'ink';
import { useCallback, useRef } from 'react';
import { describeError } from '../errors.js';
import { activeCount } from '../state/reducer.js';
import { answerCancel, askCancel } from './cancel-keys.js';
import { handleComposeKey, handleTextKey, openChosenEntry } from './content-keys.js';
import type { ContentHandlers } from './useContent.js';
import type { Input, UiState } from '../state/types.js';
import { currentView } from '../state/view.js';

export interface KeyboardDeps {
  state: UiState;
  dispatch: (input: Input) => void;
  node: FileshareNode;
  quit: () => void;
  /** Messages and history (hooks/content-keys.ts); absent, their keys do nothing. */
  content?: { handlers: ContentHandlers; textPage: number; textMaxTop: number };
}

/**
 * Every key binding of the app, by view; the path line's keys (editing, tab, enter) are its own
 * (hooks/usePathLineInput.ts).
 */
export function useKeyboard(deps: KeyboardDeps): void {
  // Read through a ref: keys that arrive in one burst (a paste, tmux send-keys) must each see
  // the state the previous key produced, not the state of the last effect run.
  const latest = useRef(deps);
  latest.current = deps;
  useInput(useCallback((input: string, key: Key) => handleKey(latest.current, input, key), []));
}

export function handleKey({ state, dispatch, node, quit, content }: KeyboardDeps, input: string, key: Key): void {
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
      return;

    case 'compose':
      if (content) handleComposeKey({ state, dispatch, ...content }, input, key);
      return;

    case 'help':
      if (key.escape || input === '?') dispatch({ type: 'toggle-help' });
      else if (input === 'q') requestQuit();
      return;

    case 'trust':
      handleTrustKey(state, dispatch, node, input, key, requestQuit);
      return;

    case 'offer': {
      const offer = state.offers[0]!;
      if (input === 'a') {
        node.respondToOffer(offer.transferId, 'accept');
        dispatch({ type: 'offer-decided', transferId: offer.transferId, decision: 'accept' });
      } else if (input === 'd') {
        node.respondToOffer(offer.transferId, 'decline');
        dispatch({ type: 'offer-decided', transferId: offer.transferId, decision: 'decline' });
      } else if (input === 'b') {
        block(state, dispatch, node, offer.peerId);
      } else if (input === 't') {
        // "Always accept" is trust: first the code, then the person decides (trust-dialog keys).
        dispatch({ type: 'open-trust', peerId: offer.peerId, transferId: offer.transferId, ...codeOf(node, offer.peerId) });
      } else if (input === '?') dispatch({ type: 'toggle-help' });
      else if (input === 'q') requestQuit();
      return;
    }

    case 'text':
      if (content && handleTextKey({ state, dispatch, ...content }, input, key)) return;
      if (key.return || key.escape) dispatch({ type: 'dismiss-text' });
      else if (input === 'q') requestQuit();
      return;

    case 'main':
      if (answerCancel(state, dispatch, node, input, key)) return;
      if (key.upArrow || input === 'k') dispatch({ type: 'move-selection', delta: -1 });
      else if (key.downArrow || input === 'j') dispatch({ type: 'move-selection', delta: 1 });
      else if (key.tab) dispatch({ type: 'toggle-focus' });
      else if (state.focus === 'history' && (key.return || input === 'o')) {
        if (content) openChosenEntry({ state, handlers: content.handlers });
      } else if (key.return || input === 's') {
        if (state.focus === 'peers') dispatch({ type: 'open-send' });
      } else if (input === 'm' && state.focus === 'peers') dispatch({ type: 'open-compose' });
      else if (input === 'c' || input === 'x') askCancel(state, dispatch);
      else if (input === 'v') {
        const peer = state.peers.find((p) => p.id === state.selectedPeerId);
        if (peer && state.focus === 'peers') dispatch({ type: 'open-trust', peerId: peer.id, ...codeOf(node, peer.id) });
      } else if (input === '?') dispatch({ type: 'toggle-help' });
      else if (key.escape) dispatch({ type: 'clear-notice' });
      else if (input === 'q') requestQuit();
      return;
  }
}

/**
 * The trust dialog. From an offer: `y` (codes match) saves the trust and accepts, `n` accepts from
 * that peer until we quit without saving, `b` (codes differ) declines and blocks; `esc` goes back
 * to the offer and never accepts anything. From the peer list: `y` saves, `u` removes, `n`/`esc` close.
 */
function handleTrustKey(state: UiState, dispatch: (input: Input) => void, node: FileshareNode, input: string, key: Key, requestQuit: () => void): void {
  const trust = state.trust!;
  const fromOffer = trust.transferId !== undefined;
  if (input === 'y' && trust.code !== undefined) {
    if (!trust.trusted) saveTrust(dispatch, node, trust.peerId);
    if (fromOffer) acceptAllFrom(state, dispatch, node, trust.peerId, 'accept');
    dispatch({ type: 'close-trust' });
  } else if (input === 'n') {
    if (fromOffer) {
      node.trustPeerForSession(trust.peerId);
      acceptAllFrom(state, dispatch, node, trust.peerId, 'trust');
    }
    dispatch({ type: 'close-trust' });
  } else if (input === 'b' && fromOffer) {
    block(state, dispatch, node, trust.peerId);
  } else if (input === 'u' && trust.trusted && !fromOffer) {
    node.untrustPeer(trust.peerId).then(
      () => dispatch({ type: 'trust-changed', peerId: trust.peerId, trusted: false }),
      (error: unknown) => dispatch({ type: 'trust-failed', peerId: trust.peerId, message: describeError(error) }),
    );
    dispatch({ type: 'close-trust' });
  } else if (key.escape) dispatch({ type: 'close-trust' });
  else if (input === 'q') requestQuit();
}

/** Persists trust; the answer comes later, as a notice (a full disk or an insecure folder is an error). */
function saveTrust(dispatch: (input: Input) => void, node: FileshareNode, peerId: string): void {
  node.trustPeer(peerId).then(
    () => {
      dispatch({ type: 'trust-changed', peerId, trusted: true });
      // Trusting one device can make another a look-alike of it: refresh every mark.
      dispatch({ type: 'trust-sync', peers: node.peers() });
    },
    (error: unknown) => dispatch({ type: 'trust-failed', peerId, message: describeError(error) }),
  );
}

/** "Always" includes what that peer already queued up behind this offer. */
function acceptAllFrom(state: UiState, dispatch: (input: Input) => void, node: FileshareNode, peerId: string, first: 'accept' | 'trust'): void {
  const offers = state.offers.filter((o) => o.peerId === peerId);
  offers.forEach((o, i) => {
    node.respondToOffer(o.transferId, 'accept');
    dispatch({ type: 'offer-decided', transferId: o.transferId, decision: i === 0 ? first : 'accept' });
  });
}

/** Declines the offer on screen and blocks its sender for the session (the node declines the rest). */
function block(state: UiState, dispatch: (input: Input) => void, node: FileshareNode, peerId: string): void {
  const current = state.offers[0];
  if (current?.peerId === peerId) node.respondToOffer(current.transferId, 'decline');
  node.blockPeer(peerId);
  dispatch({ type: 'peer-blocked', peerId });
}

/** The verification code as the node computes it now, if the peer proved its key. */
function codeOf(node: FileshareNode, peerId: string): { code?: string } {
  const code = node.verificationCode(peerId);
  return code !== undefined ? { code } : {};
}
