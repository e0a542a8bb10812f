import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, expect, it } from '@jest/globals';
import { type Lan, type LanHost, createLan, describeLan } from '@fileshare/lan';
import type { DiscoveredPeer } from '../../src/index.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/discovery-node.mjs', import.meta.url));

interface NodeEvent {
  event: 'ready' | 'peer-found' | 'peer-updated' | 'peer-lost' | 'warning' | 'closed' | 'error';
  t: number;
  peer?: DiscoveredPeer;
  reason?: 'goodbye' | 'expired';
  addresses?: string[];
  code?: string;
  message?: string;
  /** Date.now() in the test process when the line arrived. */
  at: number;
}

/** One fixture process on a rig host; collects its JSON lines so tests can wait on them in any order. */
class Node {
  readonly events: NodeEvent[] = [];
  readonly exited: Promise<void>;
  private readonly listeners = new Set<() => void>();
  private stderr = '';

  constructor(
    readonly host: LanHost,
    readonly id: string,
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    let partial = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      partial += chunk;
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        this.events.push({ ...(JSON.parse(line) as Omit<NodeEvent, 'at'>), at: Date.now() });
      }
      this.notify();
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => child.once('close', () => resolve()));
    void this.exited.then(() => this.notify());
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  waitFor(what: string, match: (e: NodeEvent) => boolean, timeoutMs = 10_000): Promise<NodeEvent> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.events.find(match);
        if (found) {
          finish();
          resolve(found);
        } else if (!this.running) {
          finish();
          reject(new Error(`${this.name} exited before ${what}; stderr: ${this.stderr.slice(-500)}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${this.name}: no ${what} within ${timeoutMs} ms; events: ${JSON.stringify(this.events.slice(-8))}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  found(other: Node): Promise<NodeEvent> {
    return this.waitFor(`peer-found ${other.name}`, (e) => e.event === 'peer-found' && e.peer?.id === other.id);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await this.exited;
    clearTimeout(timer);
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }
}

describeLan('discovery on a real LAN (network namespaces, real multicast)', () => {
  let lan: Lan;
  const nodes: Node[] = [];

  const spawnNode = (host: LanHost, name: string, extra: Record<string, unknown> = {}): Node => {
    const id = randomBytes(16).toString('hex');
    const init = { deviceId: id, name, port: 7000 + host.index, ...extra };
    const child = host.spawn(process.execPath, [FIXTURE, JSON.stringify(init)]);
    const node = new Node(host, id, name, child);
    nodes.push(node);
    return node;
  };

  const ready = (n: Node): Promise<NodeEvent> => n.waitFor('ready', (e) => e.event === 'ready');

  /** Waits until every node has found every other one. */
  const meshOf = async (all: Node[]): Promise<void> => {
    await Promise.all(all.map(ready));
    await Promise.all(all.flatMap((n) => all.filter((m) => m !== n).map((m) => n.found(m))));
  };

  /** Starts one node per host and waits until every node has found every other one. */
  const mesh = async (extra: (i: number) => Record<string, unknown> = () => ({})): Promise<Node[]> => {
    const started = lan.hosts.map((h, i) => spawnNode(h, `node-${i}`, extra(i)));
    await meshOf(started);
    return started;
  };

  beforeAll(async () => {
    lan = await createLan({ hosts: 3 });
  }, 30_000);

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.stop()));
  });

  afterAll(async () => {
    await lan?.close();
  });

  it('three hosts find each other, each at its address on the rig subnet', async () => {
    // Two nodes start together (they can only find each other with the repeated announcement,
    // 1 s after start: RFC 6762 forbids re-multicasting a record within a second); the third
    // joins later (it is answered at once).
    const first = [spawnNode(lan.hosts[0]!, 'node-0'), spawnNode(lan.hosts[1]!, 'node-1')];
    await meshOf(first);
    const late = spawnNode(lan.hosts[2]!, 'node-2');
    const all = [...first, late];
    await meshOf(all);

    const delay = (n: Node, m: Node, found: NodeEvent): number => {
      const up = Math.max(n.events.find((e) => e.event === 'ready')!.at, m.events.find((e) => e.event === 'ready')!.at);
      return found.at - up;
    };
    for (const n of all) {
      expect(n.events.find((e) => e.event === 'ready')?.addresses).toEqual([n.host.address]);
      for (const m of all) {
        if (m === n) continue;
        const found = await n.found(m);
        expect(found.peer).toEqual({
          id: m.id,
          name: m.name,
          address: m.host.address,
          addresses: [m.host.address],
          port: 7000 + m.host.index,
          version: 2,
        });
      }
      expect(n.events.filter((e) => e.event === 'warning')).toEqual([]);
    }
    const together = Math.max(delay(first[0]!, first[1]!, await first[0]!.found(first[1]!)), delay(first[1]!, first[0]!, await first[1]!.found(first[0]!)));
    const joining = await Promise.all(first.flatMap((n) => [n.found(late).then((f) => delay(n, late, f)), late.found(n).then((f) => delay(late, n, f))]));
    console.log(
      `discovery time after both nodes were up: started together ${together} ms; ` +
        `late joiner ${Math.min(...joining)}-${Math.max(...joining)} ms (both directions)`,
    );
    expect(together).toBeLessThan(2500);
    expect(Math.max(...joining)).toBeLessThan(2000);
  });

  it('a node stopped with SIGTERM says goodbye: the others lose it within 2 s', async () => {
    const [a, b, c] = await mesh();
    const killedAt = Date.now();
    b!.child.kill('SIGTERM');
    await b!.waitFor('closed', (e) => e.event === 'closed');
    const took: number[] = [];
    for (const other of [a!, c!]) {
      const lost = await other.waitFor('peer-lost', (e) => e.event === 'peer-lost' && e.peer?.id === b!.id, 3000);
      expect(lost.reason).toBe('goodbye');
      took.push(lost.at - killedAt);
    }
    console.log(`peer-lost 'goodbye' ${took.join(' / ')} ms after SIGTERM`);
    for (const t of took) expect(t).toBeLessThan(2000);
  });

  it('a node killed with SIGKILL expires from the others after its TTL', async () => {
    const ttlSeconds = 3;
    const [a, b, c] = await mesh(() => ({ ttlSeconds }));
    const killedAt = Date.now();
    b!.child.kill('SIGKILL');
    const took: number[] = [];
    for (const other of [a!, c!]) {
      const lost = await other.waitFor('peer-lost', (e) => e.event === 'peer-lost' && e.peer?.id === b!.id, 8000);
      expect(lost.reason).toBe('expired');
      took.push(lost.at - killedAt);
    }
    console.log(`peer-lost 'expired' ${took.join(' / ')} ms after SIGKILL (TTL ${ttlSeconds} s)`);
    for (const t of took) expect(t).toBeLessThan(ttlSeconds * 1000 + 1500);
    // The survivors still know each other (they keep refreshing their records).
    expect(a!.events.some((e) => e.event === 'peer-lost' && e.peer?.id === c!.id)).toBe(false);
  });

  it('a pulled cable: the peer expires; plugged back in, it announces itself and is found again', async () => {
    const ttlSeconds = 3;
    const [a, b] = await mesh(() => ({ ttlSeconds }));
    const host = b!.host;
    await host.linkDown();
    const lost = await a!.waitFor('peer-lost', (e) => e.event === 'peer-lost' && e.peer?.id === b!.id, 8000);
    expect(lost.reason).toBe('expired');
    const pluggedAt = Date.now();
    await host.linkUp();
    // b notices its interface again within its 5 s poll, re-announces, and a finds it.
    const again = await a!.waitFor(
      'peer-found again',
      (e) => e.event === 'peer-found' && e.peer?.id === b!.id && e.at >= pluggedAt,
      9000,
    );
    expect(again.peer?.address).toBe(host.address);
    console.log(`found again ${again.at - pluggedAt} ms after the link came back`);
  });

  it('a host with a second interface advertises on both, but offers each link only its own address', async () => {
    const host = lan.hosts[0]!;
    const run = async (args: string[]): Promise<void> => {
      const r = await host.exec('ip', args, { timeoutMs: 5000 });
      if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
    };
    // Like a docker bridge or a VPN: another subnet nobody on the rig can reach. A veth pair
    // inside the host (the kernel here has no dummy interfaces); only one end gets an address.
    await run(['link', 'add', 'fsextra0', 'type', 'veth', 'peer', 'name', 'fsextra1']);
    try {
      await run(['addr', 'add', '10.213.7.1/24', 'dev', 'fsextra0']);
      await run(['link', 'set', 'fsextra1', 'up']);
      await run(['link', 'set', 'fsextra0', 'up']);
      const all = await mesh();
      const ready = all[0]!.events.find((e) => e.event === 'ready');
      expect([...(ready?.addresses ?? [])].sort()).toEqual(['10.213.7.1', host.address].sort());
      for (const other of all.slice(1)) {
        const found = await other.found(all[0]!);
        expect(found.peer?.address).toBe(host.address);
        expect(found.peer?.addresses).toEqual([host.address]);
      }
      // And the node with two interfaces sees the others once, at their rig address.
      for (const other of all.slice(1)) {
        expect((await all[0]!.found(other)).peer?.addresses).toEqual([other.host.address]);
      }
    } finally {
      await run(['link', 'del', 'fsextra0']).catch(() => undefined);
    }
  });
});
