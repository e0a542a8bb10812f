import { Box, Text } from 'ink';
import { shortId, tildify } from '../format.js';
import type { ReceivedText } from '../state/types.js';

export interface TextDialogProps {
  message: ReceivedText;
  queued: number;
  columns: number;
  /** Rows for the text and its scroll line (the title and border come on top). */
  maxLines: number;
}

/** How a received text sits in the dialog: its wrapped lines, a page, and the last first line. */
export interface TextLayout {
  lines: string[];
  /** Text lines on screen at once. */
  page: number;
  /** Largest first line: the last page ends with the last line. */
  maxTop: number;
}

export function layoutText(text: string, columns: number, maxLines: number): TextLayout {
  // Border and padding take two columns on each side.
  const lines = wrapText(text, Math.max(10, columns - 4));
  const room = Math.max(1, maxLines);
  // A text longer than the room gives up one line to say where in it we are.
  const page = lines.length <= room ? room : Math.max(1, room - 1);
  return { lines, page, maxTop: Math.max(0, lines.length - page) };
}

/**
 * A text someone sent, whole: wrapped at spaces, scrolled with the arrow keys when longer than
 * the screen. It was made inert on the way in (control characters show escaped).
 */
export function TextDialog({ message, queued, columns, maxLines }: TextDialogProps) {
  const { lines, page, maxTop } = layoutText(message.text, columns, maxLines);
  const top = Math.min(message.top ?? 0, maxTop);
  const shown = lines.slice(top, top + page);
  const below = lines.length - top - shown.length;
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1}>
      <Text bold wrap="truncate-end">
        Message from {message.peerName} ({shortId(message.peerId)}){queued > 0 ? ` · ${queued} more waiting` : ''}
      </Text>
      {shown.map((line, i) => (
        <Text key={top + i} wrap="truncate-end">
          {line.length > 0 ? line : ' '}
        </Text>
      ))}
      {lines.length > page ? (
        <Text dimColor wrap="truncate-end">
          {`lines ${top + 1}-${top + shown.length} of ${lines.length}`}
          {below > 0 ? ` · ${below} more below (↓ pgdn)` : ' · the end (↑ pgup)'}
        </Text>
      ) : null}
      {message.savedTo !== undefined ? (
        <Text dimColor wrap="truncate-end">
          Saved to {tildify(message.savedTo)}
        </Text>
      ) : null}
    </Box>
  );
}

/**
 * Breaks each line of `text` into lines of at most `width` characters, at the last space that
 * fits (a longer word is cut). Leading spaces stay: texts are often code or lists.
 */
export function wrapText(text: string, width: number): string[] {
  const out: string[] = [];
  for (const raw of text.replace(/\t/g, '    ').split('\n')) {
    let rest = [...raw];
    while (rest.length > width) {
      const space = rest.lastIndexOf(' ', width);
      const cut = space > 0 ? space : width;
      out.push(rest.slice(0, cut).join(''));
      rest = rest.slice(space > 0 ? cut + 1 : cut);
    }
    out.push(rest.join(''));
  }
  return out;
}
