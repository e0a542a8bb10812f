import { Box, Text } from 'ink';
import { formatBytes, tildify } from '../format.js';
import type { HistoryEntry, Outcome } from '../state/types.js';

const OUTCOME: Record<Outcome, { symbol: string; word: string; color: string }> = {
  verified: { symbol: '✓', word: 'verified', color: 'green' },
  failed: { symbol: '✗', word: 'failed', color: 'red' },
  cancelled: { symbol: '⊘', word: 'cancelled', color: 'yellow' },
  declined: { symbol: '–', word: 'declined', color: 'yellow' },
};

/**
 * The newest finished transfers that fit. A bounded list rather than Ink's `<Static>`: Static
 * prints above the live frame and would scroll the header off an 80x24 screen.
 */
export function HistoryList({ history, maxItems }: { history: readonly HistoryEntry[]; maxItems: number }) {
  const shown = history.slice(-maxItems).reverse();
  const hidden = history.length - shown.length;
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">
        History ({history.length}
        {hidden > 0 ? `, newest ${shown.length} shown` : ''})
      </Text>
      {history.length === 0 ? (
        <Text dimColor wrap="truncate-end">
          {'  '}Nothing sent or received yet.
        </Text>
      ) : (
        shown.map((h) => <HistoryLine key={h.id} entry={h} />)
      )}
    </Box>
  );
}

export function HistoryLine({ entry: h }: { entry: HistoryEntry }) {
  const o = OUTCOME[h.outcome];
  const arrow = h.direction === 'send' ? '↑' : '↓';
  const who = h.direction === 'send' ? `to ${h.peerName}` : `from ${h.peerName}`;
  const size = h.totalBytes > 0 ? ` · ${formatBytes(h.totalBytes)}` : '';
  const detail = h.outcome === 'verified' ? (h.savedTo !== undefined ? ` · in ${tildify(h.savedTo)}` : '') : h.reason ? ` · ${h.reason}` : '';
  return (
    <Text wrap="truncate-end">
      {'  '}
      <Text color={o.color}>
        {o.symbol} {o.word.padEnd(10)}
      </Text>{' '}
      {arrow} {h.what} {who}
      {size}
      {detail}
    </Text>
  );
}
