import { safeForTerminal } from '@fileshare/core';

/**
 * One sentence for a user. Expected failures are `FileshareError`s (a stable `code` and a
 * message written for people); anything else is still shown by message only, never a stack.
 * Made inert for the terminal: a message may quote a peer's name or the reason it gave.
 */
export function describeError(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string' && error.message.length > 0) {
    return sentence(error.message);
  }
  return sentence(String(error));
}

export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

function sentence(text: string): string {
  const first = safeForTerminal(text.split('\n')[0]!.trim());
  return /[.!?]$/.test(first) ? first : `${first}.`;
}
