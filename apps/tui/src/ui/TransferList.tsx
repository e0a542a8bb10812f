import { Box, Text } from 'ink';
import { formatBytes, shortId, summarizeFiles, truncateMiddle } from '../format.js';
import type { LiveTransfer } from '../state/types.js';
import { windowAround } from './layout.js';
import { ProgressLine } from './ProgressLine.js';

export interface TransferListProps {
  transfers: readonly LiveTransfer[];
  selectedId: string | undefined;
  focused: boolean;
  maxItems: number;
  columns?: number;
}

export function TransferList({ transfers, selectedId, focused, maxItems, columns = 80 }: TransferListProps) {
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
        view.items.map((t) => <TransferItem key={t.id} transfer={t} selected={t.id === selectedId} focused={focused} columns={columns} />)
      )}
    </Box>
  );
}

export function TransferItem({ transfer: t, selected, focused, columns = 80 }: { transfer: LiveTransfer; selected: boolean; focused: boolean; columns?: number }) {
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end" inverse={selected && focused}>
        {selected ? '› ' : '  '}
        {transferTitle(t, columns - 2)}
      </Text>
      {t.phase === 'running' ? (
        <ProgressLine bytes={t.bytes} totalBytes={t.totalBytes} bytesPerSecond={t.bytesPerSecond} etaSeconds={t.etaSeconds} />
      ) : (
        <Text wrap="truncate-end" color="yellow">
          {'    '}
          {t.phase === 'offered'
            ? `waiting for ${t.peerName} to accept…`
            : t.phase === 'reconnecting'
              ? `reconnecting to ${t.peerName}… (goes on by itself if it is back within ${t.graceSeconds ?? 30} s)`
              : 'waiting for your decision'}
        </Text>
      )}
    </Box>
  );
}

/** A name is not cut shorter than this to make room. */
const MIN_NAME = 12;

/**
 * `↓ big.iso from desk-pc (3b7e09aa) · 300 MB · resuming from 128 MB` in `width` cells. The
 * resume note is what says the transfer did not start over, so the id, then the size, then the
 * name's middle give way first.
 */
export function transferTitle(t: LiveTransfer, width: number): string {
  const arrow = t.direction === 'send' ? '↑' : '↓';
  const name = t.files.length > 0 ? summarizeFiles(t.files) : (t.currentFile ?? 'a message');
  const who = `${t.direction === 'send' ? 'to' : 'from'} ${t.peerName}`;
  const size = ` · ${formatBytes(t.totalBytes)}`;
  const note = resumeText(t);
  const tails = [` ${who} (${shortId(t.peerId)})${size}${note}`, ` ${who}${size}${note}`, ` ${who}${note}`];
  const room = (tail: string) => width - 2 - tail.length;
  const tail = tails.find((x) => room(x) >= Math.min(MIN_NAME, name.length)) ?? tails.at(-1)!;
  return `${arrow} ${truncateMiddle(name, Math.max(MIN_NAME, room(tail)))}${tail}`;
}

/** ` · resuming from 128 MB`, ` · 3 files already there`: the receiver had them, they are not sent again. */
export function resumeText(t: Pick<LiveTransfer, 'resumeFromBytes' | 'alreadyThereFiles' | 'totalBytes'>): string {
  const parts: string[] = [];
  if (t.alreadyThereFiles !== undefined && t.alreadyThereFiles > 0) parts.push(`${t.alreadyThereFiles} ${t.alreadyThereFiles === 1 ? 'file' : 'files'} already there`);
  // resumeFromBytes counts the files already there too: when they are everything, it says nothing more.
  const resumed = t.resumeFromBytes ?? 0;
  if (resumed > 0 && !(parts.length > 0 && resumed >= t.totalBytes)) parts.push(`resuming from ${formatBytes(resumed)}`);
  return parts.map((p) => ` · ${p}`).join('');
}
