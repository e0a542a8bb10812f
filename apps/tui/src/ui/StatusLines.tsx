import { Box, Text } from 'ink';
import { CLI_SEND_SUGGEST_AFTER_MS } from '../constants.js';
import { wordWrap } from '../format.js';
import { closestPeerNames, matchesPeer, type NamedPeer } from '../peer-suggestions.js';
import type { CliSend, Notice } from '../state/types.js';

const NOTICE_COLOR: Record<Notice['kind'], string> = { info: 'cyan', warning: 'yellow', error: 'red' };
const NOTICE_SYMBOL: Record<Notice['kind'], string> = { info: 'ℹ', warning: '⚠', error: '✗' };
/** A notice longer than this many lines is cut (with …): it is one sentence, the rest is in the history. */
const NOTICE_MAX_LINES = 3;

export interface StatusInput {
  notice: Notice | undefined;
  cliSend: CliSend | undefined;
  peers: readonly NamedPeer[];
  columns: number;
}

interface StatusLine {
  text: string;
  color: string;
}

/** The status lines as shown: wrapped to the width, never cut off at the right edge. */
export function statusLines({ notice, cliSend, peers, columns }: StatusInput): StatusLine[] {
  const lines: StatusLine[] = [];
  if (cliSend) {
    const color = cliSend.status === 'failed' ? 'red' : cliSend.status === 'done' ? 'green' : 'yellow';
    for (const text of wordWrap(cliSendText(cliSend, peers), columns)) lines.push({ text, color });
  }
  if (notice) {
    const wrapped = wordWrap(`${NOTICE_SYMBOL[notice.kind]} ${notice.text}`, columns);
    const shown = wrapped.slice(0, NOTICE_MAX_LINES);
    if (wrapped.length > NOTICE_MAX_LINES) shown[NOTICE_MAX_LINES - 1] = `${shown[NOTICE_MAX_LINES - 1]!.slice(0, columns - 1)}…`;
    for (const text of shown) lines.push({ text, color: NOTICE_COLOR[notice.kind] });
  }
  return lines;
}

export function StatusLines({ lines }: { lines: readonly StatusLine[] }) {
  return (
    <Box flexDirection="column">
      {lines.map((line, i) => (
        <Text key={i} color={line.color}>
          {line.text}
        </Text>
      ))}
    </Box>
  );
}

/** What `fileshare --to` is doing; after the bound, a name that matches no peer gets suggestions. */
export function cliSendText(c: CliSend, peers: readonly NamedPeer[]): string {
  const what = c.paths.length === 1 ? c.paths[0]! : `${c.paths.length} items`;
  switch (c.status) {
    case 'waiting':
      if (c.waitedLong === true && !matchesPeer(c.to, peers)) return `⏳ ${unmatchedText(c.to, peers)}`;
      return `⏳ Waiting for ${c.to} to connect, then sending ${what}…`;
    case 'sending':
      return `↑ Sending ${what} to ${c.message ?? c.to}…`;
    case 'done':
      return `✓ Sent ${what} to ${c.message ?? c.to}. Press q to quit.`;
    case 'failed':
      return `✗ Could not send ${what} to ${c.to}: ${c.message ?? 'unknown error'}`;
    case 'redirected':
      return `↪ Stopped waiting for ${c.to}: you sent ${what} to ${c.message ?? 'another peer'}.`;
  }
}

function unmatchedText(to: string, peers: readonly NamedPeer[]): string {
  const seconds = Math.round(CLI_SEND_SUGGEST_AFTER_MS / 1000);
  const close = closestPeerNames(to, peers);
  const others = close.length > 0 ? `Did you mean ${close.join(', ')}?` : peers.length > 0 ? `Peers here: ${[...new Set(peers.map((p) => p.name))].slice(0, 3).join(', ')}.` : 'No peer has appeared on this network yet.';
  const choose = peers.length > 0 ? ' Or choose a peer and press enter: the files are filled in.' : '';
  return `No peer called "${to}" after ${seconds} s. ${others} Still waiting.${choose}`;
}
