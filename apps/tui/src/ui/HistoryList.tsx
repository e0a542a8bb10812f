import { Box, Text } from 'ink';
import { formatBytes, tildify, wordWrap } from '../format.js';
import { entryFolder, newestFirst, resumeNote } from '../state/content.js';
import type { HistoryEntry, Outcome } from '../state/types.js';
import { windowAround } from './layout.js';

const OUTCOME: Record<Outcome, { symbol: string; word: string; color: string }> = {
  verified: { symbol: '✓', word: 'verified', color: 'green' },
  failed: { symbol: '✗', word: 'failed', color: 'red' },
  cancelled: { symbol: '⊘', word: 'cancelled', color: 'yellow' },
  declined: { symbol: '–', word: 'declined', color: 'yellow' },
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The chosen entry in full lines at most (the failure reason wraps instead of being cut). */
const MAX_DETAIL_LINES = 6;

export interface HistoryListProps {
  history: readonly HistoryEntry[];
  maxItems: number;
  selectedId?: string | undefined;
  /** The list has the keys: the chosen entry is marked and shown in full below it. */
  focused?: boolean;
  columns?: number;
  /** For "today" in times; tests pin it. */
  now?: number;
}

/**
 * Finished transfers, newest first, this session's and earlier ones (from history.jsonl). A
 * bounded, scrolled list rather than Ink's `<Static>`: Static prints above the live frame and
 * would scroll the header off an 80x24 screen.
 */
export function HistoryList({ history, maxItems, selectedId, focused = false, columns = 80, now = Date.now() }: HistoryListProps) {
  const ordered = newestFirst(history);
  const selected = Math.max(0, ordered.findIndex((h) => h.id === selectedId));
  const view = windowAround(ordered, focused ? selected : 0, maxItems);
  const range = view.items.length < ordered.length ? (focused ? `, ${view.start + 1}-${view.start + view.items.length} shown` : `, newest ${view.items.length} shown`) : '';
  const chosen = focused ? ordered[selected] : undefined;
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">
        History ({history.length}
        {range})
      </Text>
      {history.length === 0 ? (
        <Text dimColor wrap="truncate-end">
          {'  '}Nothing sent or received yet.
        </Text>
      ) : (
        view.items.map((h) => <HistoryLine key={h.id} entry={h} selected={chosen?.id === h.id} now={now} />)
      )}
      {chosen
        ? historyDetails(chosen, columns).map((line, i) => (
            <Text key={i} wrap="truncate-end" color={i === 0 ? 'cyan' : undefined}>
              {line}
            </Text>
          ))
        : null}
    </Box>
  );
}

export function HistoryLine({ entry: h, selected = false, now = Date.now() }: { entry: HistoryEntry; selected?: boolean; now?: number }) {
  const o = OUTCOME[h.outcome];
  const arrow = h.direction === 'send' ? '↑' : '↓';
  const who = h.direction === 'send' ? `to ${h.peerName}` : `from ${h.peerName}`;
  const size = h.totalBytes > 0 ? ` · ${formatBytes(h.totalBytes)}` : '';
  // The news (why it failed, "already there") comes before the size: a narrow line is cut at
  // its end, and the chosen entry is shown whole below the list anyway.
  const news = h.outcome === 'verified' ? resumeNote(h) : (h.reason ?? '');
  const note = news ? ` · ${news}` : '';
  const folder = entryFolder(h);
  const detail = h.outcome === 'verified' && folder !== undefined ? ` · in ${tildify(folder)}` : '';
  return (
    <Text wrap="truncate-end" inverse={selected}>
      {selected ? '› ' : '  '}
      {h.time !== undefined ? `${clock(h.time, now)} ` : ''}
      <Text color={o.color}>
        {o.symbol} {o.word.padEnd(10)}
      </Text>{' '}
      {arrow} {h.what} {who}
      {note}
      {size}
      {detail}
    </Text>
  );
}

/**
 * The chosen entry in full: when, who (name and whole id), what, how it ended with the whole
 * reason, and where it landed. Also counted by the layout, so it is plain lines.
 */
export function historyDetails(h: HistoryEntry, columns: number): string[] {
  const width = Math.max(20, columns - 4);
  const indent = (lines: string[]) => lines.map((l) => `    ${l}`);
  const when = h.time !== undefined ? `${fullTime(h.time)} · ` : '';
  const verb = h.direction === 'send' ? 'sent to' : 'received from';
  const lines = wordWrap(`${when}${verb} ${h.peerName} (${h.peerId})`, width);
  const what = [h.what, h.fileCount !== undefined && h.fileCount > 1 ? `${h.fileCount} files` : '', formatBytes(h.totalBytes)].filter((s) => s !== '').join(', ');
  const note = resumeNote(h);
  const outcome = `${OUTCOME[h.outcome].symbol} ${OUTCOME[h.outcome].word}${h.reason !== undefined ? `: ${h.reason}` : ''}`;
  lines.push(...wordWrap(`${what} · ${outcome}${note ? ` · ${note}` : ''}`, width));
  const folder = entryFolder(h);
  lines.push(...wordWrap(folder !== undefined ? `in ${folder} · enter opens it` : h.direction === 'send' ? 'nothing of it is on this device' : 'nothing was saved here', width));
  const all = indent(lines);
  if (all.length <= MAX_DETAIL_LINES) return all;
  return [...all.slice(0, MAX_DETAIL_LINES - 1), `    … ${all.length - MAX_DETAIL_LINES + 1} more lines`];
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `14:03` today, `Mar 04` before: short enough for an 80-column line. */
export function clock(time: number, now: number): string {
  const d = new Date(time);
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return `${MONTHS[d.getMonth()]} ${pad(d.getDate())}`;
}

function fullTime(time: number): string {
  const d = new Date(time);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
