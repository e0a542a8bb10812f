import { Box, Text } from 'ink';
import type { ReceivedText } from '../state/types.js';

export interface TextDialogProps {
  message: ReceivedText;
  queued: number;
  columns: number;
  maxLines: number;
}

/** A text someone sent: shown whole when it fits, cut with a line count otherwise. */
export function TextDialog({ message, queued, columns, maxLines }: TextDialogProps) {
  const width = Math.max(10, columns - 4);
  const lines = hardWrap(message.text, width);
  const shown = lines.slice(0, Math.max(1, maxLines));
  const more = lines.length - shown.length;
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1}>
      <Text bold wrap="truncate-end">
        Message from {message.peerName} ({message.peerId.slice(0, 8)}){queued > 0 ? ` · ${queued} more waiting` : ''}
      </Text>
      {shown.map((line, i) => (
        <Text key={i} wrap="truncate-end">
          {line.length > 0 ? line : ' '}
        </Text>
      ))}
      {more > 0 ? <Text dimColor>{`… ${more} more line${more === 1 ? '' : 's'}`}</Text> : null}
    </Box>
  );
}

export function hardWrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const raw of text.replace(/\t/g, '  ').split('\n')) {
    if (raw.length === 0) out.push('');
    for (let i = 0; i < raw.length; i += width) out.push(raw.slice(i, i + width));
  }
  return out;
}
