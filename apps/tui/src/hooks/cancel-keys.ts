import type { FileshareNode } from '@fileshare/core';
import type { Key } from 'ink';
import type { Input, UiState } from '../state/types.js';

/** `c` on the main screen: a running transfer is cancelled only after a `y` (see `answerCancel`). */
export function askCancel(state: UiState, dispatch: (input: Input) => void): void {
  const transfer = state.transfers.find((t) => t.id === state.selectedTransferId);
  if (transfer) dispatch({ type: 'ask-cancel', transferId: transfer.id });
  else dispatch({ type: 'notice', notice: { kind: 'info', text: 'No transfer to cancel.' } });
}

/**
 * While "cancel it?" is asked, only the answer counts: `y` cancels, `n` or `esc` keeps it
 * running; other keys do nothing, so a stray key can neither cancel nor lose the question.
 * Returns false when no question is open (the key is the main screen's).
 */
export function answerCancel(state: UiState, dispatch: (input: Input) => void, node: FileshareNode, input: string, key: Key): boolean {
  if (state.cancelAsked === undefined) return false;
  const transfer = state.transfers.find((t) => t.id === state.cancelAsked);
  if (!transfer) {
    dispatch({ type: 'answer-cancel' });
    return true;
  }
  const where = `${transfer.direction === 'send' ? 'to' : 'from'} ${transfer.peerName}`;
  if (input === 'y' || input === 'Y') {
    node.cancelTransfer(transfer.id);
    dispatch({ type: 'answer-cancel' });
    dispatch({ type: 'notice', notice: { kind: 'info', text: `Cancelling the transfer ${where}…` } });
  } else if (input === 'n' || input === 'N' || key.escape) {
    dispatch({ type: 'answer-cancel' });
    dispatch({ type: 'notice', notice: { kind: 'info', text: `The transfer ${where} goes on.` } });
  }
  return true;
}
