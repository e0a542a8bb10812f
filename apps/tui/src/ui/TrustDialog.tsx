import { Box, Text } from 'ink';
import { shortId, truncateMiddle, wordWrap } from '../format.js';
import type { PeerView, TrustDialog as TrustDialogState } from '../state/types.js';

export interface TrustDialogProps {
  trust: TrustDialogState;
  /** To name the trusted device a look-alike imitates, when it is in the list. */
  peers: readonly PeerView[];
  columns: number;
}

/** Cells a peer name may take inside a key line, so the line's meaning is never cut off. */
const NAME_IN_KEY_LINE = 20;

/**
 * "Compare the code, then decide." The code is derived from both devices' keys, so the other
 * device shows the same digits only if nobody sits in between; trust is saved only on `y`.
 */
export function TrustDialog({ trust, peers, columns }: TrustDialogProps) {
  // Inside the border and padding.
  const width = Math.max(20, columns - 4);
  const paragraph = (text: string, color?: string) =>
    wordWrap(text, width).map((line, i) => (
      <Text key={i} {...(color !== undefined ? { color } : {})}>
        {line}
      </Text>
    ));
  const name = truncateMiddle(trust.peerName, NAME_IN_KEY_LINE);
  const fromOffer = trust.transferId !== undefined;
  const imitated = trust.lookalikeOf !== undefined ? peers.find((p) => p.id === trust.lookalikeOf) : undefined;
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={trust.lookalikeOf !== undefined ? 'red' : 'cyan'} paddingX={1}>
      <Text bold wrap="truncate-end">
        {trust.trusted ? `${trust.peerName} is trusted` : `Trust ${trust.peerName}?`}
      </Text>
      <Text wrap="truncate-end">Id    {trust.peerId}</Text>
      {trust.code !== undefined ? (
        <Text wrap="truncate-end">
          Code  <Text bold>{trust.code}</Text>
        </Text>
      ) : (
        <Text wrap="truncate-end">Code  none yet: it appears once {name} is connected and has proven its key</Text>
      )}
      {trust.lookalikeOf !== undefined
        ? paragraph(`⚠ Same name as your trusted device “${imitated?.name ?? trust.peerName}” (${shortId(trust.lookalikeOf)}), but this is a different device.`, 'red')
        : null}
      <Text> </Text>
      {trust.code !== undefined && !trust.trusted
        ? paragraph(
            `Compare it with the code ${name} shows for this device (fileshare: select this device, press v; fileshare-agent: its “verified; code” line). Trust only if every digit matches.`,
          )
        : null}
      {trust.trusted ? <Text>Its offers are accepted without asking, also after a restart.</Text> : null}
      <Text> </Text>
      <TrustKeys trust={trust} name={name} fromOffer={fromOffer} />
    </Box>
  );
}

function TrustKeys({ trust, name, fromOffer }: { trust: TrustDialogState; name: string; fromOffer: boolean }) {
  const lines: [string, string, string?][] = [];
  if (trust.code !== undefined && !trust.trusted) lines.push(['y', `codes match: trust ${name}${fromOffer ? ' and accept' : ''} (saved)`, 'green']);
  if (fromOffer) {
    lines.push(['n', `not now: accept from ${name} until you quit (not saved)`]);
    lines.push(['b', 'codes differ: decline and block it until you quit', 'red']);
    lines.push(['esc', 'back to the offer']);
  } else {
    if (trust.trusted) lines.push(['u', `stop trusting ${name}`]);
    lines.push([trust.code !== undefined && !trust.trusted ? 'n  esc' : 'esc', 'close']);
  }
  return (
    <>
      {lines.map(([key, what, color]) => (
        <Text key={key} wrap="truncate-end">
          <Text bold {...(color !== undefined ? { color } : {})}>
            {key.padEnd(7)}
          </Text>
          {what}
        </Text>
      ))}
    </>
  );
}
