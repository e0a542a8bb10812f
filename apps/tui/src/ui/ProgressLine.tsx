import { Text } from 'ink';
import { PROGRESS_BAR_WIDTH } from '../constants.js';
import { formatBytes, formatEta, formatPercent, formatRate, progressBar, progressFraction } from '../format.js';

export interface ProgressLineProps {
  bytes: number;
  totalBytes: number;
  bytesPerSecond: number;
  etaSeconds?: number | undefined;
  indent?: number;
}

/** `████████░░░░  52%  4.1 MB/s  ETA 3s  6.5 MB of 12.5 MB` — readable without colour. */
export function ProgressLine({ bytes, totalBytes, bytesPerSecond, etaSeconds, indent = 4 }: ProgressLineProps) {
  const fraction = progressFraction(bytes, totalBytes);
  return (
    <Text wrap="truncate-end">
      {' '.repeat(indent)}
      <Text color="green">{progressBar(fraction, PROGRESS_BAR_WIDTH)}</Text> {formatPercent(bytes, totalBytes).padStart(4)}
      {'  '}
      {formatRate(bytesPerSecond).padStart(10)}
      {'  '}ETA {formatEta(etaSeconds)}
      {'  '}
      <Text dimColor>
        {formatBytes(bytes)} of {formatBytes(totalBytes)}
      </Text>
    </Text>
  );
}
