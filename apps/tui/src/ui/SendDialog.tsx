import { Box, Text } from 'ink';
import TextInput from 'ink-text-input';
import { shortId, tildify, truncateMiddle } from '../format.js';
import type { SendDraft } from '../state/types.js';

export interface SendDialogProps {
  draft: SendDraft;
  columns: number;
  /** Lines available for completion candidates. */
  candidateLines: number;
  /** Lines available for the list of chosen paths. */
  chosenLines: number;
  onChange: (value: string) => void;
  onSubmit: (value: string) => void;
}

export function SendDialog({ draft, columns, candidateLines, chosenLines, onChange, onSubmit }: SendDialogProps) {
  const chosen = draft.paths.slice(-chosenLines);
  const earlier = draft.paths.length - chosen.length;
  const candidates = packCandidates(draft.candidates, columns - 4, candidateLines);
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">
        Send to {draft.peerName} ({shortId(draft.peerId)})
      </Text>
      <Text dimColor wrap="truncate-end">
        Type a file or folder path: tab completes it, enter adds it.
      </Text>
      <Text dimColor wrap="truncate-end">
        {draft.paths.length > 0 ? `Press enter on an empty line to send ${draft.paths.length === 1 ? 'it' : `all ${draft.paths.length}`}.` : 'Add one or more, then press enter on an empty line to send.'}
      </Text>
      <Text wrap="truncate-end">
        Chosen ({draft.paths.length}){earlier > 0 ? `, ${earlier} earlier not shown` : ''}:
      </Text>
      {chosen.length === 0 ? (
        <Text dimColor>{'  '}nothing yet</Text>
      ) : (
        chosen.map((p) => (
          <Text key={p} wrap="truncate-end">
            {'  + '}
            {truncateMiddle(tildify(p), columns - 6)}
          </Text>
        ))
      )}
      <Box>
        <Text bold color="cyan">
          Path ›{' '}
        </Text>
        <TextInput key={draft.revision} value={draft.input} onChange={onChange} onSubmit={onSubmit} placeholder="e.g. ~/Documents/report.pdf" />
      </Box>
      {candidates.lines.map((line, i) => (
        <Text key={i} wrap="truncate-end" color="cyan">
          {'  '}
          {line}
        </Text>
      ))}
      {candidates.more > 0 ? <Text dimColor>{`  and ${candidates.more} more (type more letters, then tab)`}</Text> : null}
      {draft.error !== undefined ? (
        <Text color="red" wrap="truncate-end">
          ✗ {draft.error}
        </Text>
      ) : null}
    </Box>
  );
}

/** Lays names out in rows like a shell's completion list, within `lines` rows of `width`. */
export function packCandidates(names: readonly string[], width: number, lines: number): { lines: string[]; more: number } {
  if (names.length === 0) return { lines: [], more: 0 };
  const cell = Math.min(width, Math.max(...names.map((n) => n.length)) + 2);
  const perLine = Math.max(1, Math.floor(width / cell));
  const capacity = perLine * Math.max(1, lines);
  const fits = names.length <= capacity;
  // Keep a line free for the "and N more" note when the list does not fit.
  const shownCount = fits ? names.length : perLine * Math.max(1, lines - 1);
  const rows: string[] = [];
  for (let i = 0; i < shownCount; i += perLine) {
    rows.push(
      names
        .slice(i, i + perLine)
        .map((n) => truncateMiddle(n, cell - 2).padEnd(cell))
        .join('')
        .trimEnd(),
    );
  }
  return { lines: rows, more: names.length - shownCount };
}
