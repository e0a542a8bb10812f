import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { safeForTerminal, type PeerInfo, type PeerStatus } from '@fileshare/core';
import { Option, type Command } from 'commander';
import { DaemonConnection } from '../control/client.js';
import { CONTROL_PROTOCOL_VERSION, CONTROL_SOCKET_FILE } from '../control/protocol.js';
import { EXIT } from '../exit-codes.js';
import { exitWhenFlushed } from '../exit.js';
import { plural } from '../format.js';
import { PEERS_HELP } from '../help.js';
import { jsonLine } from '../json.js';
import { nodeInit, parseNonNegative, stateDirOf, withCommonOptions, type CommonOptions } from '../options.js';
import { note, out, reportError } from '../output.js';
import { watchInterrupts, withNode } from '../session.js';

export interface PeersOptions extends CommonOptions {
  wait: number;
  daemon: boolean;
}

const STATE_WORDS: Record<PeerStatus, string> = {
  discovered: 'found',
  initiating: 'connecting',
  initiated: 'connecting',
  connected: 'connected',
  'not-connected': 'not connected',
};

/** What a person reads about a peer's state: its connection, then what it proved. */
export function peerState(p: PeerInfo): string {
  return [STATE_WORDS[p.state], ...(p.verified ? ['verified'] : []), ...(p.trusted ? ['trusted'] : [])].join(', ');
}

/** Sorted by name, then id: the same list reads the same every time. */
function sorted(peers: readonly PeerInfo[]): PeerInfo[] {
  return [...peers].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/** The readable table (a header, then a line per peer); every peer-chosen string made inert. */
export function formatPeerTable(peers: readonly PeerInfo[]): string[] {
  const rows = sorted(peers).map((p) => [
    safeForTerminal(p.name) || '(no name)',
    p.id,
    `${safeForTerminal(p.address)}:${p.port}`,
    `${peerState(p)}${p.manual ? ' [by address]' : ''}${p.lookalikeOf !== undefined ? ` [LOOK-ALIKE of trusted ${p.lookalikeOf.slice(0, 8)}]` : ''}`,
  ]);
  const all = [['NAME', 'ID', 'ADDRESS', 'STATE'], ...rows];
  const widths = [0, 1, 2].map((i) => Math.max(...all.map((r) => [...r[i]!].length)));
  return all.map((r) => r.map((cell, i) => (i < 3 ? cell + ' '.repeat(widths[i]! - [...cell].length) : cell)).join('  '));
}

/** One JSON line per peer: `{"event":"peer","peerId",...}` like the node's peer events. */
export function peerJson(p: PeerInfo): string {
  const { id, ...rest } = p;
  return jsonLine({ event: 'peer', peerId: id, ...rest });
}

function printPeers(peers: readonly PeerInfo[], options: PeersOptions): void {
  if (options.json) {
    for (const p of sorted(peers)) out(peerJson(p));
    return;
  }
  if (peers.length === 0) {
    out(`No peers found within ${options.wait} s.`);
    return;
  }
  out(`${plural(peers.length, 'peer')}:`);
  for (const line of formatPeerTable(peers)) out(`  ${line}`);
}

async function viaDaemon(connection: DaemonConnection, options: PeersOptions, signal: AbortSignal): Promise<number> {
  const onAbort = (): void => connection.cancel();
  signal.addEventListener('abort', onAbort, { once: true });
  let peers: PeerInfo[] = [];
  try {
    await connection.request({ type: 'peers', v: CONTROL_PROTOCOL_VERSION, waitSeconds: options.wait }, { onPeers: (list) => (peers = list) });
    printPeers(peers, options);
    return EXIT.ok;
  } catch (error) {
    return reportError(error, options.json);
  } finally {
    signal.removeEventListener('abort', onAbort);
    connection.close();
  }
}

async function peers(options: PeersOptions, signal: AbortSignal): Promise<number> {
  if (options.daemon) {
    let connection: DaemonConnection | undefined;
    try {
      connection = await DaemonConnection.connect(join(stateDirOf(options), CONTROL_SOCKET_FILE));
    } catch (error) {
      return reportError(error, options.json);
    }
    if (connection !== undefined) {
      if (options.verbose) note(`using the running agent ${connection.ready.name} (${connection.ready.deviceId.slice(0, 8)}) via ${connection.socketPath}`);
      return viaDaemon(connection, options, signal);
    }
  }
  // A listing node takes no offers.
  return withNode(nodeInit(options, 'none'), options.json, async (node) => {
    // Ctrl-C ends the wait early: the list found so far is still printed.
    await delay(options.wait * 1000, undefined, { signal }).catch(() => undefined);
    printPeers(node.peers(), options);
    return EXIT.ok;
  });
}

export function registerPeersCommand(program: Command): void {
  withCommonOptions(
    program
      .command('peers')
      .description('list the devices on the LAN (name, id, address, state) and exit')
      .addOption(new Option('--wait <seconds>', 'how long to look for peers').argParser(parseNonNegative).default(3))
      .option('--no-daemon', 'do not use a running `fileshare-agent run` on this state folder'),
  )
    .addHelpText('after', PEERS_HELP)
    .action(async (options: PeersOptions) => {
      const interrupts = watchInterrupts();
      const code = await peers(options, interrupts.signal);
      interrupts.dispose();
      await exitWhenFlushed(code);
    });
}
