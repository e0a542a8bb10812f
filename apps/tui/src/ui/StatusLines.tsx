import { Box, Text } from 'ink';
import type { CliSend, Notice } from '../state/types.js';

const NOTICE_COLOR: Record<Notice['kind'], string> = { info: 'cyan', warning: 'yellow', error: 'red' };
const NOTICE_SYMBOL: Record<Notice['kind'], string> = { info: 'ℹ', warning: '⚠', error: '✗' };

export function statusLineCount(notice: Notice | undefined, cliSend: CliSend | undefined): number {
  return (notice ? 1 : 0) + (cliSend ? 1 : 0);
}

export function StatusLines({ notice, cliSend }: { notice: Notice | undefined; cliSend: CliSend | undefined }) {
  return (
    <Box flexDirection="column">
      {cliSend ? <Text wrap="truncate-end" color={cliSend.status === 'failed' ? 'red' : cliSend.status === 'done' ? 'green' : 'yellow'}>{cliSendText(cliSend)}</Text> : null}
      {notice ? (
        <Text wrap="truncate-end" color={NOTICE_COLOR[notice.kind]}>
          {NOTICE_SYMBOL[notice.kind]} {notice.text}
        </Text>
      ) : null}
    </Box>
  );
}

function cliSendText(c: CliSend): string {
  const what = c.paths.length === 1 ? c.paths[0]! : `${c.paths.length} items`;
  switch (c.status) {
    case 'waiting':
      return `⏳ Waiting for ${c.to} to connect, then sending ${what}…`;
    case 'sending':
      return `↑ Sending ${what} to ${c.message ?? c.to}…`;
    case 'done':
      return `✓ Sent ${what} to ${c.message ?? c.to}. Press q to quit.`;
    case 'failed':
      return `✗ Could not send ${what} to ${c.to}: ${c.message ?? 'unknown error'}`;
  }
}
