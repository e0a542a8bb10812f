import { Command, Option } from 'commander';
import { addCompletionCommand } from '../../src/index.js';

const collect = (value: string, previous: string[]) => [...previous, value];

/** A program shaped like fileshare-agent: commands, nested commands, hidden options, choices. */
export function sampleProgram(): Command {
  const program = new Command('sample').version('1.2.3').option('--verbose', 'say more');
  const common = (command: Command) =>
    command
      .option('--name <name>', 'name shown to others')
      .option('--port <port>', 'port')
      .option('--dir <folder>', 'receive folder')
      .option('--peer <host:port>', 'a peer [repeatable]', collect, [])
      .addOption(new Option('--channels <n>', 'hidden tuning').hideHelp())
      .option('-v, --verbose', 'log more');
  common(program.command('run').description('run: receive').addOption(new Option('--accept <policy>', 'who').choices(['all', 'none', 'trusted'])));
  common(
    program
      .command('send')
      .description('send files')
      .requiredOption('--to <peer>', 'receiver')
      .option('--timeout <seconds>', 'wait')
      .argument('[paths...]', 'files'),
  );
  const trust = program.command('trust').description('edit trusted devices');
  trust.command('list').description('list them');
  trust.command('add').description('add one').argument('<id>', 'device id').option('--name <name>', 'a name');
  trust.command('remove').description('remove one').argument('<id>', 'device id');
  addCompletionCommand(program);
  return program;
}
