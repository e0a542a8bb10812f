import { Box, Text } from 'ink';
import { OFFER_FILES_SHOWN } from '../constants.js';
import { formatBytes, shortId, tildify, truncateMiddle } from '../format.js';
import type { PeerView, PendingOffer } from '../state/types.js';

export interface OfferPromptProps {
  offer: PendingOffer;
  /** Offers waiting behind this one. */
  queued: number;
  peers: readonly PeerView[];
  receiveDir: string;
  columns: number;
}

/**
 * Who, what and how big, before anything is written. The full device id is always shown: names
 * are chosen by the sender, so a look-alike name is the cheapest attack on a LAN.
 */
export function OfferPrompt({ offer, queued, peers, receiveDir, columns }: OfferPromptProps) {
  const files = offer.files.filter((f) => f.kind === 'file');
  const listed = files.length > 0 ? files : offer.files;
  const shown = listed.slice(0, OFFER_FILES_SHOWN);
  const more = listed.length - shown.length;
  const sameName = peers.filter((p) => p.id !== offer.peerId && p.name.toLowerCase() === offer.peerName.toLowerCase());
  const imitated = offer.lookalikeOf !== undefined ? peers.find((p) => p.id === offer.lookalikeOf) : undefined;
  const pathWidth = Math.max(10, columns - 4 - 12);
  const count = files.length === 1 ? '1 file' : `${files.length} files`;
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={offer.lookalikeOf !== undefined ? 'red' : 'yellow'} paddingX={1}>
      <Text bold wrap="truncate-end">
        Incoming offer{queued > 0 ? ` (${queued} more waiting)` : ''}
      </Text>
      <Text wrap="truncate-end">
        From <Text bold>{offer.peerName}</Text>
        {offer.trusted ? <Text color="green"> ✓ trusted</Text> : null}
      </Text>
      <Text wrap="truncate-end">Id   {offer.peerId}</Text>
      {offer.lookalikeOf !== undefined ? (
        <Text color="red">
          ⚠ Not your trusted “{imitated?.name ?? offer.peerName}” ({shortId(offer.lookalikeOf)}): same name, different device. Decline unless you expected it.
        </Text>
      ) : sameName.length > 0 ? (
        <Text color="red" wrap="truncate-end">
          ⚠ Another device is also called “{offer.peerName}” ({sameName.map((p) => p.id.slice(0, 8)).join(', ')}): compare the ids.
        </Text>
      ) : null}
      <Text wrap="truncate-end">
        Wants to send {count}, {formatBytes(offer.totalBytes)} in total:
      </Text>
      {shown.map((f) => (
        <Text key={f.path} wrap="truncate-end">
          {'  '}
          {truncateMiddle(f.kind === 'directory' ? `${f.path}/` : f.path, pathWidth).padEnd(pathWidth)}
          {(f.kind === 'file' ? formatBytes(f.size) : '').padStart(10)}
        </Text>
      ))}
      {more > 0 ? <Text wrap="truncate-end">{`  and ${more} more`}</Text> : null}
      <Text dimColor wrap="truncate-end">
        Files go to {tildify(receiveDir)}
      </Text>
      <Text wrap="truncate-end">
        <Text bold color="green">
          a
        </Text>{' '}
        accept{'   '}
        <Text bold color="red">
          d
        </Text>{' '}
        decline{'   '}
        <Text bold color="red">
          b
        </Text>{' '}
        block{'   '}
        <Text bold>t</Text> trust: always accept from {offer.peerName}
      </Text>
    </Box>
  );
}
