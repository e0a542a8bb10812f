import { Box, Text } from 'ink';
import { shortId, tildify } from '../format.js';
import type { SelfInfo } from '../state/types.js';

export function Header({ self }: { self: SelfInfo }) {
  const addresses =
    self.addresses.length > 0 ? self.addresses.map((a) => `${a}:${self.port}`).join(', ') : `no network address yet (port ${self.port})`;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold color="cyan">
          fileshare
        </Text>
        {'  '}
        <Text bold>{self.name}</Text>
        {'  '}id {shortId(self.deviceId)}
        {'  '}
        {addresses}
      </Text>
      <Text wrap="truncate-end" dimColor>
        Receiving into {tildify(self.receiveDir)}
      </Text>
    </Box>
  );
}
