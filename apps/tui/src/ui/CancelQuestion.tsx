import { Box, Text } from 'ink';
import { formatBytes, summarizeFiles, wordWrap } from '../format.js';
import type { LiveTransfer } from '../state/types.js';

/** Border and padding of the box, in columns. */
const FRAME = 4;

/** The question's lines for `transfer`, wrapped to the width (border not included). */
export function cancelQuestionLines(transfer: LiveTransfer, columns: number): string[] {
  const what = transfer.files.length > 0 ? summarizeFiles(transfer.files) : 'this transfer';
  const where = transfer.direction === 'send' ? `sending ${what} to ${transfer.peerName}` : `receiving ${what} from ${transfer.peerName}`;
  const size = transfer.totalBytes > 0 ? ` (${formatBytes(transfer.bytes)} of ${formatBytes(transfer.totalBytes)} done)` : '';
  return wordWrap(`Cancel ${where}${size}? y cancels it, n or esc keeps it going.`, Math.max(10, columns - FRAME));
}

export function cancelQuestionHeight(lines: readonly string[]): number {
  return lines.length > 0 ? lines.length + 2 : 0;
}

/** Asked after `c`: a running transfer is stopped only on a deliberate `y`. */
export function CancelQuestion({ lines }: { lines: readonly string[] }) {
  if (lines.length === 0) return null;
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="red" paddingX={1}>
      {lines.map((line, i) => (
        <Text key={i} bold={i === 0}>
          {line}
        </Text>
      ))}
    </Box>
  );
}
