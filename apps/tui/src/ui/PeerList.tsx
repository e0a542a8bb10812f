import { Box, Text } from 'ink';
import { padEnd, peerStateColor, peerStateLabel, peerStateSymbol, shortId } from '../format.js';
import type { PeerView } from '../state/types.js';
import { windowAround } from './layout.js';

export interface PeerListProps {
  peers: readonly PeerView[];
  selectedId: string | undefined;
  focused: boolean;
  /** Rows available for peers. */
  maxRows: number;
  columns: number;
}

/** Symbol, space, and the longest label ("not connected") plus a gap. */
const STATE_WIDTH = 17;
const ID_WIDTH = 8;
const ADDRESS_WIDTH = 21;

export function PeerList({ peers, selectedId, focused, maxRows, columns }: PeerListProps) {
  const selected = Math.max(0, peers.findIndex((p) => p.id === selectedId));
  const view = windowAround(peers, selected, maxRows);
  const range = view.items.length < peers.length ? `, ${view.start + 1}-${view.start + view.items.length} shown` : '';
  const nameWidth = Math.max(8, columns - (2 + STATE_WIDTH + 1 + ID_WIDTH + 2 + ADDRESS_WIDTH + 1));
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">
        Peers ({peers.length}
        {range})
      </Text>
      {peers.length === 0 ? (
        <Text dimColor wrap="truncate-end">
          {'  '}Looking for devices running fileshare on this network…
        </Text>
      ) : (
        view.items.map((p) => {
          const isSelected = p.id === selectedId;
          return (
            <Text key={p.id} wrap="truncate-end" inverse={isSelected && focused}>
              {isSelected ? '› ' : '  '}
              <Text color={peerStateColor(p.state)}>
                {peerStateSymbol(p.state)} {padEnd(peerStateLabel(p.state), STATE_WIDTH - 2)}
              </Text>
              {padEnd(p.name, nameWidth)} {shortId(p.id).padEnd(ID_WIDTH)}  {p.address ? `${p.address}:${p.port}` : ''}
            </Text>
          );
        })
      )}
    </Box>
  );
}
