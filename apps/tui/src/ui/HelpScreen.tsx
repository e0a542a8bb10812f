import { Box, Text, useInput } from 'ink';
import { useState } from 'react';
import { tildify, wordWrap } from '../format.js';
import type { SelfInfo } from '../state/types.js';
import { HELP_SECTIONS } from './keys.js';

/** Widest key column: longer keys get a line of their own above their text. */
const KEY_COLUMN_MAX = 18;
/** Below this width the key column would leave too little room for the text beside it. */
const SIDE_BY_SIDE_MIN_COLUMNS = 50;

export interface HelpLine {
  /** Set on the first line of a key's entry. */
  key?: string;
  text: string;
  style?: 'title' | 'section' | 'dim';
}

/** Every line of the help screen at `columns`, wrapped, never wider than the terminal. */
export function helpLines(self: SelfInfo, version: string, columns: number): HelpLine[] {
  const lines: HelpLine[] = [];
  const wrapped = (text: string, style?: HelpLine['style']) => {
    for (const t of wordWrap(text, columns)) lines.push(style ? { text: t, style } : { text: t });
  };
  // Labels stay left, values wrap under themselves (an address list can be long).
  const field = (label: string, value: string) => {
    const width = Math.max(10, columns - 11);
    wordWrap(value, width).forEach((t, i) => lines.push({ text: `${i === 0 ? label.padEnd(11) : ' '.repeat(11)}${t}` }));
  };
  wrapped(`fileshare ${version}: send files to devices on your local network`, 'title');
  field('Name', self.name);
  field('Device id', self.deviceId);
  field('Addresses', `${self.addresses.length > 0 ? self.addresses.join(', ') : 'none yet'} (port ${self.port})`);
  field('Receiving', tildify(self.receiveDir));
  const sideBySide = columns >= SIDE_BY_SIDE_MIN_COLUMNS;
  const keyColumn = Math.min(KEY_COLUMN_MAX, Math.max(...HELP_SECTIONS.flatMap(([, keys]) => keys.map(([key]) => key.length + 2))));
  for (const [title, keys] of HELP_SECTIONS) {
    lines.push({ text: '' });
    wrapped(title, 'section');
    for (const [key, what] of keys) {
      if (sideBySide && key.length < keyColumn) {
        wordWrap(what, columns - keyColumn).forEach((t, i) => lines.push(i === 0 ? { key: key.padEnd(keyColumn), text: t } : { text: `${' '.repeat(keyColumn)}${t}` }));
      } else {
        lines.push({ key, text: '' });
        for (const t of wordWrap(what, columns - 2)) lines.push({ text: `  ${t}` });
      }
    }
  }
  lines.push({ text: '' });
  wrapped('From a shell: fileshare --to <peer> <file>...   All options: fileshare --help', 'dim');
  return lines;
}

/**
 * The help screen, scrolled with ↑↓ (k j, page up/down) when it is taller than `maxLines`: at
 * 60x24 the keys alone are longer than the screen. Its own keys, since no other view is active.
 */
export function HelpScreen({ self, version, columns, maxLines }: { self: SelfInfo; version: string; columns: number; maxLines: number }) {
  const lines = helpLines(self, version, columns);
  const fits = lines.length <= maxLines;
  // One line is the scroll indicator when the text does not fit.
  const window = fits ? lines.length : Math.max(1, maxLines - 1);
  const maxTop = Math.max(0, lines.length - window);
  const [top, setTop] = useState(0);
  const shownTop = Math.min(top, maxTop);
  useInput((input, key) => {
    // A page keeps its last line in view, so a sentence cut by the page's edge reads on.
    const page = Math.max(1, window - 1);
    const step = key.pageDown || input === ' ' ? page : key.pageUp ? -page : key.downArrow || input === 'j' ? 1 : key.upArrow || input === 'k' ? -1 : 0;
    if (step !== 0) setTop((t) => Math.max(0, Math.min(maxTop, Math.min(t, maxTop) + step)));
  });
  const shown = lines.slice(shownTop, shownTop + window);
  const below = lines.length - shownTop - shown.length;
  return (
    <Box flexDirection="column">
      {shown.map((line, i) => (
        <HelpRow key={shownTop + i} line={line} />
      ))}
      {fits ? null : (
        <Text dimColor wrap="truncate-end">
          {below > 0 ? `↓ ${below} more below: ↑↓ scroll` : `↑ ${shownTop} more above: ↑↓ scroll`}
        </Text>
      )}
    </Box>
  );
}

function HelpRow({ line }: { line: HelpLine }) {
  if (line.text === '' && line.key === undefined) return <Text> </Text>;
  return (
    <Text bold={line.style === 'title' || line.style === 'section'} dimColor={line.style === 'dim'} color={line.style === 'section' ? 'cyan' : undefined}>
      {line.key !== undefined ? <Text bold>{line.key}</Text> : null}
      {line.text}
    </Text>
  );
}
