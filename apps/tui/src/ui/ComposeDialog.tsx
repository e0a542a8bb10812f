import { Box, Text } from 'ink';
import { shortId } from '../format.js';
import type { ComposeDraft } from '../state/content-types.js';
import { wrapText } from './TextDialog.js';

export interface ComposeDialogProps {
  draft: ComposeDraft;
  columns: number;
  /** Rows for the typed text; its end (where typing goes) stays in view. */
  maxLines: number;
}

/** `m`: a message to the chosen peer. Enter sends; alt+enter or ctrl+j starts a new line. */
export function ComposeDialog({ draft, columns, maxLines }: ComposeDialogProps) {
  const lines = wrapText(draft.text, Math.max(10, columns - 7));
  const room = Math.max(1, maxLines);
  const shown = lines.slice(-room);
  const earlier = lines.length - shown.length;
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1}>
      <Text bold wrap="truncate-end">
        Message to {draft.peerName} ({shortId(draft.peerId)})
      </Text>
      <Text dimColor wrap="truncate-end">
        enter sends · alt+enter or ctrl+j new line · esc keeps it for later
      </Text>
      {earlier > 0 ? <Text dimColor>{`  … ${earlier} earlier line${earlier === 1 ? '' : 's'}`}</Text> : null}
      {shown.map((line, i) => (
        <Text key={earlier + i} wrap="truncate-end">
          <Text color="cyan">{earlier + i === 0 ? '› ' : '  '}</Text>
          {line}
          {i === shown.length - 1 ? <Text inverse> </Text> : null}
        </Text>
      ))}
      {draft.error !== undefined ? (
        <Text color="red" wrap="truncate-end">
          ✗ {draft.error}
        </Text>
      ) : null}
    </Box>
  );
}
