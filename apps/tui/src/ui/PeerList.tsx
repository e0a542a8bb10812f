import { Box, Text } from 'ink';
import { padEnd, peerStateColor, peerStateLabel, peerStateSymbol, shortId } from '../format.js';
import type { PeerView } from '../state/types.js';
import { windowAround } from './layout.js';

export interface PeerListProps {
  peers: readonly PeerView[];
  selectedId: string | undefined;
  focused: boolean;
  /** Rows available for peers (not counting the look-alike line, see `peerListExtraLines`). */
  maxRows: number;
  columns: number;
}

/** Symbol, space, and the longest label ("not connected") plus a gap. */
const STATE_WIDTH = 17;
const ID_WIDTH = 8;
const ADDRESS_WIDTH = 21;
/** The longest mark ("⚠ look-alike") plus a gap. */
const MARK_WIDTH = 13;

/** What the trust column says about a peer, in words so it reads without colour. */
export function trustMark(p: PeerView): { text: string; color: string } | undefined {
  if (p.lookalikeOf !== undefined) return { text: '⚠ look-alike', color: 'red' };
  if (p.blocked) return { text: '⊘ blocked', color: 'red' };
  if (p.trusted) return { text: '✓ trusted', color: 'green' };
  return undefined;
}

/** Lines the list adds below its rows: one explaining a selected look-alike. */
export function peerListExtraLines(peers: readonly PeerView[], selectedId: string | undefined): number {
  return peers.find((p) => p.id === selectedId)?.lookalikeOf !== undefined ? 1 : 0;
}

export function PeerList({ peers, selectedId, focused, maxRows, columns }: PeerListProps) {
  const selected = Math.max(0, peers.findIndex((p) => p.id === selectedId));
  const view = windowAround(peers, selected, maxRows);
  const range = view.items.length < peers.length ? `, ${view.start + 1}-${view.start + view.items.length} shown` : '';
  // The trust column only takes room from the names when some peer has a mark.
  const markWidth = peers.some((p) => trustMark(p) !== undefined) ? MARK_WIDTH : 0;
  const nameWidth = Math.max(8, columns - (2 + STATE_WIDTH + 1 + markWidth + ID_WIDTH + 2 + ADDRESS_WIDTH + 1));
  const lookalike = peers.find((p) => p.id === selectedId && p.lookalikeOf !== undefined);
  const imitated = lookalike ? peers.find((p) => p.id === lookalike.lookalikeOf) : undefined;
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
          const mark = trustMark(p);
          return (
            <Text key={p.id} wrap="truncate-end" inverse={isSelected && focused}>
              {isSelected ? '› ' : '  '}
              <Text color={peerStateColor(p.state)}>
                {peerStateSymbol(p.state)} {padEnd(peerStateLabel(p.state), STATE_WIDTH - 2)}
              </Text>
              {padEnd(p.name, nameWidth)}{' '}
              {markWidth > 0 ? <Text {...(mark ? { color: mark.color } : {})}>{(mark?.text ?? '').padEnd(markWidth)}</Text> : null}
              {shortId(p.id).padEnd(ID_WIDTH)}  {p.address ? `${p.address}:${p.port}` : ''}
            </Text>
          );
        })
      )}
      {lookalike ? (
        <Text color="red" wrap="truncate-end">
          {'  '}⚠ Not your trusted “{imitated?.name ?? lookalike.name}” ({shortId(lookalike.lookalikeOf!)}): same name, different device
        </Text>
      ) : null}
    </Box>
  );
}
