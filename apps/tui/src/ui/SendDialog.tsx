import { Box, Text } from 'ink';
import { shortId, tildify, truncateMiddle, wordWrap } from '../format.js';
import { lineViewport } from '../input/line-editor.js';
import { lineOfDraft } from '../state/draft.js';
import type { SendDraft } from '../state/types.js';

export interface SendDialogProps {
  draft: SendDraft;
  columns: number;
  /** Lines the dialog may use; the chosen paths and completion candidates share what is left. */
  maxLines: number;
}

const PROMPT = 'Path › ';

export function SendDialog({ draft, columns, maxLines }: SendDialogProps) {
  const wrap = (text: string) => wordWrap(text, columns);
  const intro = wrap('Type or paste a path: tab completes it, enter adds it.');
  const howToSend = wrap(
    draft.paths.length > 0
      ? `Enter on an empty line sends ${draft.paths.length === 1 ? 'it' : `all ${draft.paths.length}`}; backspace twice there removes the last.`
      : 'Add one or more, then press enter on an empty line to send.',
  );
  const error = draft.error !== undefined ? wordWrap(`✗ ${draft.error}`, columns) : [];
  const note = draft.note !== undefined ? wordWrap(`ℹ ${draft.note}`, columns) : [];
  const armedLines = draft.removeArmed ? 1 : 0;
  // Title, the chosen header and the path line, plus everything wrapped above.
  const fixed = 3 + intro.length + howToSend.length + error.length + note.length + armedLines;
  const spare = Math.max(2, maxLines - fixed);
  const chosenLines = Math.max(1, Math.floor(spare / 2));
  const candidateLines = Math.max(1, spare - chosenLines);
  const chosen = draft.paths.slice(-chosenLines);
  const earlier = draft.paths.length - chosen.length;
  const candidates = packCandidates(draft.candidates, columns - 4, candidateLines);
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">
        Send to {draft.peerName} ({shortId(draft.peerId)})
      </Text>
      {[...intro, ...howToSend].map((line, i) => (
        <Text key={`h${i}`} dimColor>
          {line}
        </Text>
      ))}
      <Text wrap="truncate-end">
        Chosen ({draft.paths.length}){earlier > 0 ? `, ${earlier} earlier not shown` : ''}:
      </Text>
      {chosen.length === 0 ? (
        <Text dimColor>{'  '}nothing yet</Text>
      ) : (
        chosen.map((p, i) => {
          const last = i === chosen.length - 1;
          return last && draft.removeArmed ? (
            <Text key={p} color="red" inverse wrap="truncate-end">
              {'  − '}
              {truncateMiddle(tildify(p), columns - 6)}
            </Text>
          ) : (
            <Text key={p} wrap="truncate-end">
              {'  + '}
              {truncateMiddle(tildify(p), columns - 6)}
            </Text>
          );
        })
      )}
      {draft.removeArmed ? (
        <Text color="yellow" wrap="truncate-end">
          {'    '}backspace again removes it, other keys keep it
        </Text>
      ) : null}
      <PathLine draft={draft} width={columns - PROMPT.length} />
      {candidates.lines.map((line, i) => (
        <Text key={i} wrap="truncate-end" color="cyan">
          {'  '}
          {line}
        </Text>
      ))}
      {candidates.more > 0 ? <Text dimColor wrap="truncate-end">{`  and ${candidates.more} more (type more letters, then tab)`}</Text> : null}
      {error.map((line, i) => (
        <Text key={`e${i}`} color="red">
          {line}
        </Text>
      ))}
      {note.map((line, i) => (
        <Text key={`n${i}`} color="cyan">
          {line}
        </Text>
      ))}
    </Box>
  );
}

/** The path line with its cursor (inverse), scrolled sideways so the cursor is always in view. */
function PathLine({ draft, width }: { draft: SendDraft; width: number }) {
  const view = lineViewport(lineOfDraft(draft), width);
  return (
    <Text wrap="truncate-end">
      <Text bold color="cyan">
        {PROMPT}
      </Text>
      {view.cutLeft ? <Text dimColor>…</Text> : null}
      {view.before}
      <Text inverse>{view.atCursor}</Text>
      {view.after}
      {view.cutRight ? <Text dimColor>…</Text> : null}
      {draft.input === '' ? <Text dimColor>{' e.g. ~/Documents/report.pdf'.slice(0, Math.max(0, width - 2))}</Text> : null}
    </Text>
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
