import { addCompletionCommand } from '@fileshare/cli-completion';
import { Command } from 'commander';
import { registerPeersCommand } from './commands/peers.js';
import { registerReceiveCommand } from './commands/receive.js';
import { registerRunCommand } from './commands/run.js';
import { registerSendCommand } from './commands/send.js';
import { EXIT } from './exit-codes.js';
import { PROGRAM_HELP } from './help.js';
import { fail } from './output.js';
import { registerTrustCommands } from './trust-command.js';
import { readVersion } from './version.js';

const program = new Command()
  .name('fileshare-agent')
  .description('Headless fileshare: peer-to-peer file transfer on the local network (mDNS + WebRTC).')
  .version(readVersion())
  .showHelpAfterError()
  .addHelpText('after', PROGRAM_HELP)
  // Set before the subcommands are added so that they inherit it: usage errors exit 2.
  .exitOverride((error) => {
    process.exit(error.exitCode === 0 ? 0 : EXIT.usage);
  });

registerPeersCommand(program);
registerReceiveCommand(program);
registerSendCommand(program);
registerRunCommand(program);
registerTrustCommands(program, fail);
// Last, so the script it prints covers every command above.
addCompletionCommand(program);

await program.parseAsync(process.argv);
