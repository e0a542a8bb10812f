import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { lanUnavailableReason } from './availability.js';
import {
  findExecutable,
  ip,
  ipBatch,
  ipCommand,
  ipSync,
  isProcessAlive,
  killQuietly,
  netnsPids,
  netnsPidsSync,
  nftCommand,
  run,
} from './commands.js';
import {
  BRIDGE_INTERFACE,
  CHILD_EXIT_WAIT_MS,
  DEFAULT_MTU,
  HOST_INTERFACE,
  MAX_MTU,
  MIN_MTU,
  MULTICAST_RANGE,
  SWITCH_PORT_MTU,
} from './constants.js';
import { LanError } from './errors.js';
import {
  defaultPrefix,
  hostAddress,
  hostNetnsName,
  ownerPidOf,
  parseNetnsList,
  subnetFor,
  switchNetnsName,
  switchPortName,
  validateHostCount,
  validatePrefix,
} from './naming.js';
import type { FaultState } from './nft.js';
import { NO_FAULTS, buildRuleset, validateLoss } from './nft.js';
import { Reaper } from './reaper.js';
import { registerLan, unregisterLan } from './registry.js';

export interface LanInit {
  /** Number of hosts (network namespaces), 1-245. */
  hosts: number;
  /** Link MTU of every host; default 1500. */
  mtu?: number;
  /**
   * Namespace name prefix; default `fsrig-<pid>-<random>`, unique per run. Only names of the
   * form `fsrig-<pid>-...` are swept when their owner dies, so keep that shape if you set it.
   */
  prefix?: string;
}

export interface SpawnOptions {
  /** Environment of the child; default process.env. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Default 'pipe'. */
  stdio?: 'pipe' | 'inherit';
}

export interface ExecResult {
  /** Exit code; null when killed (timeout or close). */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface LanHost {
  /** 0-based. */
  readonly index: number;
  /** Network namespace name (usable with `ip netns exec`). */
  readonly netns: string;
  /** IPv4 address in 198.18.0.0/15, e.g. '198.18.7.11'. */
  readonly address: string;
  /** Name of its link inside the namespace ('eth0'). */
  readonly interfaceName: string;
  /**
   * Runs a command inside the namespace (via `ip netns exec`), in its own process group. The
   * rig SIGKILLs the group on close().
   */
  spawn(command: string, args: string[], options?: SpawnOptions): ChildProcess;
  /** Runs a command inside the namespace to completion; a non-zero exit is a result, not an error. */
  exec(command: string, args: string[], options?: { timeoutMs?: number }): Promise<ExecResult>;
  setMtu(mtu: number): Promise<void>;
  /**
   * Pulls the cable: the switch port goes down, the host sees NO-CARRIER and keeps its address
   * and routes; nothing gets through in either direction. Resolves once the host sees it.
   */
  linkDown(): Promise<void>;
  /** Plugs the cable back in; resolves once the host's link is up again. */
  linkUp(): Promise<void>;
  /** Drops `percent`% (integer 0-100) of this host's packets in each direction; 0 clears. */
  setLoss(percent: number): Promise<void>;
  /** Drops all IPv4 multicast (224.0.0.0/4) in and out of this host; unicast is untouched. */
  blockMulticast(blocked: boolean): Promise<void>;
}

export interface Lan {
  readonly hosts: readonly LanHost[];
  /** e.g. '198.18.7.0/24' */
  readonly subnet: string;
  /** Prefix of every namespace name of this LAN. */
  readonly prefix: string;
  /** Namespace holding the bridge (the "switch"). */
  readonly switchNetns: string;
  /** Kills every process in the LAN's namespaces and deletes them. Idempotent. */
  close(): Promise<void>;
}

/** How often to re-read link state while waiting for a carrier change (the kernel gives no event we can await). */
const LINK_POLL_MS = 10;
const LINK_WAIT_MS = 5000;

class RigHost implements LanHost {
  readonly interfaceName = HOST_INTERFACE;
  private faults: FaultState = NO_FAULTS;
  private nftQueue: Promise<void> = Promise.resolve();

  constructor(
    private readonly lan: RigLan,
    readonly index: number,
    readonly netns: string,
    readonly address: string,
    readonly switchPort: string,
  ) {}

  spawn(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
    this.lan.assertOpen();
    // `ip netns exec` searches only PATH; resolving here also finds ip and nft in sbin when a
    // minimal environment (cron, env -i, some CI runners) leaves sbin off PATH.
    const executable = command.includes('/') ? command : (findExecutable(command) ?? command);
    const child = spawn(ipCommand(), ['netns', 'exec', this.netns, executable, ...args], {
      detached: true,
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: options.stdio ?? 'pipe',
    });
    this.lan.track(child);
    return child;
  }

  exec(command: string, args: string[], options: { timeoutMs?: number } = {}): Promise<ExecResult> {
    const child = this.spawn(command, args, { stdio: 'pipe' });
    return new Promise((resolve, reject) => {
      let stdout = '';
      let stderr = '';
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              if (child.pid !== undefined) killQuietly(-child.pid);
            }, options.timeoutMs);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new LanError('ERR_LAN_COMMAND_FAILED', `Cannot run ${command} in ${this.netns}: ${error.message}`, { cause: error }));
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  async setMtu(mtu: number): Promise<void> {
    if (!Number.isInteger(mtu) || mtu < MIN_MTU || mtu > MAX_MTU) {
      throw new LanError('ERR_LAN_INVALID_ARGUMENT', `MTU must be an integer ${MIN_MTU}-${MAX_MTU}, got ${mtu}.`);
    }
    this.lan.assertOpen();
    await ip(['-n', this.netns, 'link', 'set', HOST_INTERFACE, 'mtu', String(mtu)]);
  }

  async linkDown(): Promise<void> {
    this.lan.assertOpen();
    await ip(['-n', this.lan.switchNetns, 'link', 'set', this.switchPort, 'down']);
    await this.waitForCarrier(false);
  }

  async linkUp(): Promise<void> {
    this.lan.assertOpen();
    await ip(['-n', this.lan.switchNetns, 'link', 'set', this.switchPort, 'up']);
    await this.waitForCarrier(true);
  }

  async setLoss(percent: number): Promise<void> {
    validateLoss(percent);
    await this.applyFaults({ ...this.faults, lossPercent: percent });
  }

  async blockMulticast(blocked: boolean): Promise<void> {
    await this.applyFaults({ ...this.faults, multicastBlocked: blocked });
  }

  /** Carrier as the host sees it, from /sys via `ip -j`. */
  async hasCarrier(): Promise<boolean> {
    const out = await ip(['-n', this.netns, '-j', 'link', 'show', 'dev', HOST_INTERFACE]);
    const [link] = JSON.parse(out) as { operstate?: string; flags?: string[] }[];
    return link?.operstate === 'UP' && !(link.flags ?? []).includes('NO-CARRIER');
  }

  async waitForCarrier(wanted: boolean): Promise<void> {
    const deadline = Date.now() + LINK_WAIT_MS;
    while ((await this.hasCarrier()) !== wanted) {
      if (Date.now() > deadline) {
        throw new LanError('ERR_LAN_TIMEOUT', `Link of ${this.netns} did not go ${wanted ? 'up' : 'down'} within ${LINK_WAIT_MS} ms.`);
      }
      await new Promise((resolve) => setTimeout(resolve, LINK_POLL_MS));
    }
  }

  /** Serialised so that the last call wins even when callers do not await each other. */
  private applyFaults(next: FaultState): Promise<void> {
    this.lan.assertOpen();
    this.faults = next;
    const script = buildRuleset(next);
    const applied = this.nftQueue.then(() =>
      run(ipCommand(), ['netns', 'exec', this.netns, nftCommand(), '-f', '-'], script).then(() => undefined),
    );
    this.nftQueue = applied.catch(() => undefined);
    return applied;
  }
}

class RigLan implements Lan {
  readonly hosts: RigHost[] = [];
  readonly switchNetns: string;
  private readonly children = new Set<ChildProcess>();
  private readonly reaper: Reaper;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(
    readonly prefix: string,
    readonly subnet: string,
    readonly allNetns: readonly string[],
  ) {
    this.switchNetns = switchNetnsName(prefix);
    this.reaper = new Reaper(allNetns);
    registerLan(this);
  }

  assertOpen(): void {
    if (this.closed) throw new LanError('ERR_LAN_CLOSED', `LAN ${this.prefix} is closed.`);
  }

  track(child: ChildProcess): void {
    this.children.add(child);
    const forget = (): void => {
      this.children.delete(child);
    };
    child.once('close', forget);
    child.once('error', forget);
  }

  private killEverything(pidsOf: (netns: string) => number[]): void {
    for (const child of this.children) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) killQuietly(-child.pid);
    }
    for (const netns of this.allNetns) for (const pid of pidsOf(netns)) killQuietly(pid);
  }

  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    unregisterLan(this);
    this.killEverything(() => []);
    const leftovers = await Promise.all(this.allNetns.map((netns) => netnsPids(netns)));
    for (const pid of leftovers.flat()) killQuietly(pid);
    await this.waitForChildren();
    try {
      await ipBatch(
        this.allNetns.map((netns) => `netns del ${netns}`),
        { force: true },
      );
    } catch {
      // -force reports failure when some name was already gone; those are what we wanted gone.
    }
    this.reaper.finish();
  }

  /** Synchronous teardown for the process 'exit' handler. */
  closeSync(): void {
    if (this.closed) return;
    this.closed = true;
    unregisterLan(this);
    this.killEverything(netnsPidsSync);
    try {
      ipSync(['-force', '-batch', '-'], this.allNetns.map((netns) => `netns del ${netns}`).join('\n') + '\n');
    } catch {
      // best effort
    }
    this.reaper.finish();
  }

  private async waitForChildren(): Promise<void> {
    const pending = [...this.children].map(
      (child) => new Promise<void>((resolve) => child.once('close', () => resolve())),
    );
    if (pending.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(pending),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CHILD_EXIT_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
  }
}

/** Deletes namespaces of our naming scheme whose owning process no longer exists. */
export async function sweepStaleNamespaces(): Promise<string[]> {
  let names: string[];
  try {
    names = parseNetnsList(await ip(['netns', 'list']));
  } catch {
    return [];
  }
  const stale = names.filter((name) => {
    const pid = ownerPidOf(name);
    return pid !== undefined && pid !== process.pid && !isProcessAlive(pid);
  });
  if (stale.length === 0) return [];
  const pids = await Promise.all(stale.map((name) => netnsPids(name)));
  for (const pid of pids.flat()) killQuietly(pid);
  try {
    await ipBatch(stale.map((name) => `netns del ${name}`), { force: true });
  } catch {
    // another run may be sweeping the same names
  }
  return stale;
}

export async function createLan(init: LanInit): Promise<Lan> {
  const reason = lanUnavailableReason();
  if (reason !== undefined) throw new LanError('ERR_LAN_NEEDS_ROOT', reason);
  validateHostCount(init.hosts);
  const mtu = init.mtu ?? DEFAULT_MTU;
  if (!Number.isInteger(mtu) || mtu < MIN_MTU || mtu > MAX_MTU) {
    throw new LanError('ERR_LAN_INVALID_ARGUMENT', `MTU must be an integer ${MIN_MTU}-${MAX_MTU}, got ${mtu}.`);
  }
  const prefix = init.prefix ?? defaultPrefix();
  validatePrefix(prefix);

  await sweepStaleNamespaces();

  const subnet = subnetFor();
  const switchNetns = switchNetnsName(prefix);
  const hostNames = Array.from({ length: init.hosts }, (_, i) => hostNetnsName(prefix, i));
  const lan = new RigLan(prefix, subnet.cidr, [switchNetns, ...hostNames]);

  try {
    const existing = new Set(parseNetnsList(await ip(['netns', 'list'])));
    const taken = lan.allNetns.filter((name) => existing.has(name));
    if (taken.length > 0) {
      throw new LanError('ERR_LAN_SETUP_FAILED', `Namespace ${taken[0]} already exists; choose another prefix.`);
    }
    await ipBatch(lan.allNetns.map((name) => `netns add ${name}`));

    // Everything is created from inside the switch namespace; the veth's host end is born
    // directly in its host namespace, so the root namespace never sees an interface.
    const switchLines = [
      'link set lo up',
      `link add ${BRIDGE_INTERFACE} type bridge mcast_snooping 0 stp_state 0`,
      `link set ${BRIDGE_INTERFACE} addrgenmode none`,
    ];
    hostNames.forEach((hostNs, i) => {
      const port = switchPortName(i);
      switchLines.push(
        `link add ${port} mtu ${SWITCH_PORT_MTU} type veth peer name ${HOST_INTERFACE} mtu ${mtu} netns ${hostNs}`,
        `link set ${port} addrgenmode none`,
        `link set ${port} master ${BRIDGE_INTERFACE}`,
        `link set ${port} up`,
      );
    });
    switchLines.push(`link set ${BRIDGE_INTERFACE} up`);
    await ipBatch(switchLines, { netns: switchNetns });

    await Promise.all(
      hostNames.map((hostNs, i) =>
        ipBatch(
          [
            'link set lo up',
            `addr add ${hostAddress(subnet, i)}/24 dev ${HOST_INTERFACE}`,
            `link set ${HOST_INTERFACE} up`,
            `route add ${MULTICAST_RANGE} dev ${HOST_INTERFACE}`,
          ],
          { netns: hostNs },
        ),
      ),
    );

    hostNames.forEach((hostNs, i) => {
      lan.hosts.push(new RigHost(lan, i, hostNs, hostAddress(subnet, i), switchPortName(i)));
    });
    await Promise.all(lan.hosts.map((host) => host.waitForCarrier(true)));
    return lan;
  } catch (error) {
    await lan.close();
    if (error instanceof LanError && error.code === 'ERR_LAN_SETUP_FAILED') throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new LanError('ERR_LAN_SETUP_FAILED', `Could not build the LAN ${prefix}: ${detail}`, { cause: error });
  }
}
