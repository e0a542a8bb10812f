#!/usr/bin/env node
// A LAN for humans: `node tools/lan/dist/cli.js up 3 [--mtu 9000]` builds it, prints how to get
// into each host and keeps it until Ctrl-C. `sweep` deletes namespaces of dead runs.
import { parseArgs } from 'node:util';
import { LanError, createLan, lanUnavailableReason, sweepStaleNamespaces } from './index.js';

const USAGE = `usage:
  lan up <hosts> [--mtu <bytes>]   build a LAN of <hosts> namespaces, keep it until Ctrl-C
  lan sweep                        delete rig namespaces whose owning process is gone`;

function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

async function up(hostsArg: string | undefined, mtuArg: string | undefined): Promise<void> {
  const hosts = Number(hostsArg ?? '2');
  const mtu = mtuArg === undefined ? undefined : Number(mtuArg);
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  // Registered before the LAN exists so a Ctrl-C during setup also ends in a clean close().
  process.on('SIGINT', () => stop());
  process.on('SIGTERM', () => stop());

  const lan = await createLan({ hosts, mtu });
  process.stdout.write(`LAN ${lan.prefix}  subnet ${lan.subnet}  switch ${lan.switchNetns}\n`);
  for (const host of lan.hosts) {
    process.stdout.write(`  host ${host.index}  ${host.address.padEnd(15)}  ${host.netns}  (ip netns exec ${host.netns} bash)\n`);
  }
  process.stdout.write('Ctrl-C removes everything.\n');
  const keepAlive = setInterval(() => undefined, 1 << 30);
  await stopped;
  clearInterval(keepAlive);
  await lan.close();
  process.stdout.write(`removed ${lan.hosts.length + 1} namespaces\n`);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { mtu: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command, arg] = positionals;
  if (values.help || command === undefined) fail(USAGE, command === undefined && !values.help ? 2 : 0);
  const reason = lanUnavailableReason();
  if (reason !== undefined) fail(reason);
  switch (command) {
    case 'up':
      await up(arg, values.mtu);
      break;
    case 'sweep': {
      const removed = await sweepStaleNamespaces();
      process.stdout.write(removed.length === 0 ? 'nothing to sweep\n' : `removed ${removed.join(' ')}\n`);
      break;
    }
    default:
      fail(`unknown command ${command}\n${USAGE}`, 2);
  }
}

main().catch((error: unknown) => {
  fail(error instanceof LanError ? `${error.message} (${error.code})` : String(error));
});
