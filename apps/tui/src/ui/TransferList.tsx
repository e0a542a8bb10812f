import { Box, Text } from 'ink';
import { formatBytes, shortId, summarizeFiles } from '../format.js';
import type { LiveTransfer } from '../state/types.js';
import { windowAround } from './layout.js';
import { ProgressLine } from './ProgressLine.js';

export interface TransferListProps {
  transfers: readonly LiveTransfer[];
  selectedId: string | undefined;
  focused: boolean;
  maxItems: number;
}

export function TransferList({ transfers, selectedId, focused, maxItems }: TransferListProps) {
  const selected = Math.max(0, transfers.findIndex((t) => t.id === selectedId));
  const view = windowAround(transfers, selected, maxItems);
  const range = view.items.length < transfers.length ? `, ${view.start + 1}-${view.start + view.items.length} shown` : '';
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">
        Transfers ({transfers.length}
        {range})
      </Text>
      {transfers.length === 0 ? (
        <Text dimColor wrap="truncate-end">
          {'  '}None running. Choose a connected peer and press enter to send files.
        </Text>
      ) : (
        view.items.map((t) => <TransferItem key={t.id} transfer={t} selected={t.id === selectedId} focused={focused} />)
      )}
    </Box>
  );
}

export function TransferItem({ transfer: t, selected, focused }: { transfer: LiveTransfer; selected: boolean; focused: boolean }) {
  const arrow = t.direction === 'send' ? '↑' : '↓';
  const what = t.files.length > 0 ? summarizeFiles(t.files) : (t.currentFile ?? 'files');
  const who = `${t.direction === 'send' ? 'to' : 'from'} ${t.peerName} (${shortId(t.peerId)})`;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end" inverse={selected && focused}>
        {selected ? '› ' : '  '}
        {arrow} {what} {who} · {formatBytes(t.totalBytes)}
      </Text>
      {t.phase === 'running' ? (
        <ProgressLine bytes={t.bytes} totalBytes={t.totalBytes} bytesPerSecond={t.bytesPerSecond} etaSeconds={t.etaSeconds} />
      ) : (
        <Text wrap="truncate-end" color="yellow">
          {'    '}
          {t.phase === 'offered' ? `waiting for ${t.peerName} to accept…` : 'waiting for your decision'}
        </Text>
      )}
    </Box>
  );
}
