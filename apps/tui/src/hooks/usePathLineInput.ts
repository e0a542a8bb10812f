import { useStdin } from 'ink';
import { useEffect, useRef } from 'react';
import { decodeLineInput } from '../input/line-keys.js';
import type { SendDialogHandlers } from './useSendDialog.js';

/**
 * The path line's keys, read as the raw sequences Ink's input parser emits rather than through
 * `useInput`: `useInput` reports Backspace (DEL) and the Delete key (ESC [3~) both as
 * `key.delete`, and turns ctrl+letters into plain letters a field could type by mistake.
 * `internal_eventEmitter` is the channel `useInput` itself listens on (typed in Ink's
 * StdinContext). Escape and ctrl+c decode to nothing here; useKeyboard handles them.
 */
export function usePathLineInput(active: boolean, handlers: SendDialogHandlers): void {
  const { internal_eventEmitter: events } = useStdin();
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(() => {
    if (!active) return;
    const onInput = (chunk: string) => {
      for (const item of decodeLineInput(chunk)) {
        if (item.kind === 'edit') latest.current.edit(item.command);
        else if (item.kind === 'paste') latest.current.paste(item.text);
        else if (item.kind === 'submit') latest.current.submit();
        else latest.current.complete();
      }
    };
    events.on('input', onInput);
    return () => {
      events.off('input', onInput);
    };
  }, [active, events]);
}
