import { Box, Text } from 'ink';
import { tildify } from '../format.js';
import type { SelfInfo } from '../state/types.js';
import { KEY_HELP } from './keys.js';

export function HelpScreen({ self, version }: { self: SelfInfo; version: string }) {
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">
        fileshare {version}: send files to devices on your local network
      </Text>
      <Text> </Text>
      <Text wrap="truncate-end">Name       {self.name}</Text>
      <Text wrap="truncate-end">Device id  {self.deviceId}</Text>
      <Text wrap="truncate-end">
        Addresses  {self.addresses.length > 0 ? self.addresses.join(', ') : 'none yet'} (port {self.port})
      </Text>
      <Text wrap="truncate-end">Receiving  {tildify(self.receiveDir)}</Text>
      <Text> </Text>
      {KEY_HELP.map(([keys, what]) => (
        <Text key={keys} wrap="truncate-end">
          <Text bold>{keys.padEnd(12)}</Text>
          {what}
        </Text>
      ))}
      <Text> </Text>
      <Text dimColor wrap="truncate-end">
        From a shell: fileshare --to &lt;peer&gt; &lt;file&gt;...   All options: fileshare --help
      </Text>
    </Box>
  );
}
