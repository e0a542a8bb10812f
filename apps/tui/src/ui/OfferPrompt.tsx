import { Box, Text } from 'ink';
import { OFFER_FILES_SHOWN } from '../constants.js';
import { formatBytes, shortId, tildify, truncateMiddle, wordWrap } from '../format.js';
import type { PeerView, PendingOffer } from '../state/types.js';

export interface OfferPromptProps {
  offer: PendingOffer;
  /** Offers waiting behind this one. */
  queued: number;
  peers: readonly PeerView[];
  receiveDir: string;
  columns: number;
  /** A line under the choices, e.g. that a send dialog was kept and comes back after. */
  note?: string | undefined;
}

/** Border and padding of the box, in columns. */
const FRAME = 4;
const SIZE_WIDTH = 10;

/**
 * Who, what and how big, before anything is written. The full device id is always shown: names
 * are chosen by the sender, so a look-alike name is the cheapest attack on a LAN. Sentences wrap
 * inside the box and the choices break between keys, so a 60-column terminal loses nothing.
 */
export function OfferPrompt({ offer, queued, peers, receiveDir, columns, note }: OfferPromptProps) {
  const inner = Math.max(20, columns - FRAME);
  const files = offer.files.filter((f) => f.kind === 'file');
  const listed = files.length > 0 ? files : offer.files;
  const shown = listed.slice(0, OFFER_FILES_SHOWN);
  const more = listed.length - shown.length;
  const sameName = peers.filter((p) => p.id !== offer.peerId && p.name.toLowerCase() === offer.peerName.toLowerCase());
  const imitated = offer.lookalikeOf !== undefined ? peers.find((p) => p.id === offer.lookalikeOf) : undefined;
  const pathWidth = Math.max(8, inner - 2 - SIZE_WIDTH);
  const count = files.length === 1 ? '1 file' : `${files.length} files`;
  const warning =
    offer.lookalikeOf !== undefined
      ? `⚠ Not your trusted “${imitated?.name ?? offer.peerName}” (${shortId(offer.lookalikeOf)}): same name, different device. Decline unless you expected it.`
      : sameName.length > 0
        ? `⚠ Another device is also called “${offer.peerName}” (${sameName.map((p) => p.id.slice(0, 8)).join(', ')}): compare the ids.`
        : undefined;
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
      {warning !== undefined
        ? wordWrap(warning, inner).map((line, i) => (
            <Text key={`w${i}`} color="red">
              {line}
            </Text>
          ))
        : null}
      <Text wrap="truncate-end">
        {/* An offer without entries is a text message (an empty folder is one entry). */}
        {offer.files.length === 0 ? `Wants to send a message, ${formatBytes(offer.totalBytes)}.` : `Wants to send ${count}, ${formatBytes(offer.totalBytes)} in total:`}
      </Text>
      {shown.map((f) => (
        <Text key={f.path} wrap="truncate-end">
          {'  '}
          {truncateMiddle(f.kind === 'directory' ? `${f.path}/` : f.path, pathWidth).padEnd(pathWidth)}
          {(f.kind === 'file' ? formatBytes(f.size) : '').padStart(SIZE_WIDTH)}
        </Text>
      ))}
      {more > 0 ? <Text wrap="truncate-end">{`  and ${more} more`}</Text> : null}
      {wordWrap(offer.files.length === 0 ? 'Once accepted it is shown here; c then copies it and saves it to a file.' : `Files go to ${tildify(receiveDir)}`, inner).map((line, i) => (
        <Text key={`d${i}`} dimColor>
          {line}
        </Text>
      ))}
      {packChoices(offer.peerName, inner).map((line, i) => (
        <Text key={`c${i}`}>
          {line.map((choice, j) => (
            <Text key={choice.key}>
              {j > 0 ? CHOICE_GAP : ''}
              <Text bold {...(choice.color ? { color: choice.color } : {})}>
                {choice.key}
              </Text>{' '}
              {choice.what}
            </Text>
          ))}
        </Text>
      ))}
      {note !== undefined
        ? wordWrap(note, inner).map((line, i) => (
            <Text key={`n${i}`} color="cyan">
              {line}
            </Text>
          ))
        : null}
    </Box>
  );
}

interface Choice {
  key: string;
  what: string;
  color?: string;
}

const CHOICE_GAP = '   ';

/** The four answers, as many on a line as fit in `width`; a long peer name is shortened in the middle. */
export function packChoices(peerName: string, width: number): Choice[][] {
  const trustWhat = 'trust: always accept from ';
  const choices: Choice[] = [
    { key: 'a', what: 'accept', color: 'green' },
    { key: 'd', what: 'decline', color: 'red' },
    { key: 'b', what: 'block', color: 'red' },
    { key: 't', what: `${trustWhat}${truncateMiddle(peerName, Math.max(4, width - 2 - trustWhat.length))}` },
  ];
  const lines: Choice[][] = [];
  let line: Choice[] = [];
  let used = 0;
  for (const choice of choices) {
    const cells = choice.key.length + 1 + choice.what.length;
    const needed = line.length === 0 ? cells : used + CHOICE_GAP.length + cells;
    if (line.length > 0 && needed > width) {
      lines.push(line);
      line = [choice];
      used = cells;
    } else {
      line.push(choice);
      used = needed;
    }
  }
  if (line.length > 0) lines.push(line);
  return lines;
}
