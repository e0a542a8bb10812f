import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import type { Lan, LanHost } from '../../src/index.js';
import { LanError, createLan, describeLan, waitForOutput } from '../../src/index.js';
import { ipCommand } from '../../src/commands.js';

const GROUP = '239.255.42.99';
const UDP_PORT = 45999;
const TCP_PORT = 45998;

/** Prints `ready`, then `got <payload>` for every datagram (multicast or unicast) on the port. */
const RECEIVER = `
const dgram = require('node:dgram');
const [group, port] = process.argv.slice(1);
const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
s.on('message', (m) => console.log('got ' + (m.length > 100 ? 'big' + m.length : m.toString())));
s.bind(Number(port), () => { s.addMembership(group); console.log('ready'); });
`;

/** Sends `count` datagrams `<tag>` to addr:port, `intervalMs` apart (traffic, not synchronisation). */
const SENDER = `
const dgram = require('node:dgram');
const [addr, port, tag, count, intervalMs, size] = process.argv.slice(1);
const s = dgram.createSocket('udp4');
s.bind(() => {
  s.setMulticastTTL(1);
  const payload = Number(size) > 0 ? Buffer.alloc(Number(size), 120) : Buffer.from(tag);
  let sent = 0;
  const tick = () => s.send(payload, Number(port), addr, () => {
    if (++sent >= Number(count)) s.close(); else setTimeout(tick, Number(intervalMs));
  });
  tick();
});
`;

/** TCP server: prints `listening`, greets each connection with `hi`. */
const TCP_SERVER = `
const net = require('node:net');
net.createServer((c) => c.end('hi')).listen(Number(process.argv[1]), () => console.log('listening'));
`;

/** TCP client: exit 0 after reading the greeting, 1 on error or after timeoutMs. */
const TCP_CLIENT = `
const net = require('node:net');
const [addr, port, timeoutMs] = process.argv.slice(1);
const c = net.connect({ host: addr, port: Number(port) });
c.setTimeout(Number(timeoutMs), () => { console.log('failed timeout'); process.exit(1); });
c.on('data', (d) => { console.log('connected ' + d); process.exit(0); });
c.on('error', (e) => { console.log('failed ' + e.code); process.exit(1); });
`;

function node(host: LanHost, script: string, args: (string | number)[]): ChildProcess {
  return host.spawn(process.execPath, ['-e', script, ...args.map(String)]);
}

async function send(host: LanHost, addr: string, tag: string, count = 1, intervalMs = 0, size = 0): Promise<void> {
  const result = await host.exec(process.execPath, ['-e', SENDER, addr, String(UDP_PORT), tag, String(count), String(intervalMs), String(size)]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
}

async function tcpConnects(from: LanHost, to: LanHost, timeoutMs = 1000): Promise<boolean> {
  const result = await from.exec(process.execPath, ['-e', TCP_CLIENT, to.address, String(TCP_PORT), String(timeoutMs)]);
  return result.code === 0 && result.stdout.startsWith('connected hi');
}

function netnsNames(): string[] {
  return execFileSync(ipCommand(), ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter(Boolean);
}

/** Polls a condition the kernel gives us no event for (namespace removal by another process). */
async function eventually(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}

describeLan('LAN rig (2 hosts)', () => {
  let lan: Lan;
  let a: LanHost;
  let b: LanHost;
  let receiver: ChildProcess;

  beforeAll(async () => {
    lan = await createLan({ hosts: 2 });
    [a, b] = lan.hosts as [LanHost, LanHost];
    receiver = node(b, RECEIVER, [GROUP, UDP_PORT]);
    await Promise.all([
      waitForOutput(receiver, 'ready'),
      waitForOutput(node(b, TCP_SERVER, [TCP_PORT]), 'listening'),
    ]);
  });

  afterAll(async () => {
    await lan?.close();
  });

  it('gives every host its own namespace, address in the subnet, lo and a multicast route', async () => {
    expect(lan.subnet).toMatch(/^198\.1[89]\.\d{1,3}\.0\/24$/);
    expect(new Set(lan.hosts.map((h) => h.netns)).size).toBe(2);
    expect(new Set(lan.hosts.map((h) => h.address)).size).toBe(2);
    const names = netnsNames();
    for (const host of lan.hosts) {
      expect(names).toContain(host.netns);
      expect(host.address.startsWith(lan.subnet.replace(/0\/24$/, ''))).toBe(true);
      const addr = await host.exec('ip', ['-br', '-4', 'addr']);
      expect(addr.stdout).toMatch(new RegExp(`^lo\\s+UNKNOWN\\s+127\\.0\\.0\\.1/8`, 'm'));
      expect(addr.stdout).toContain(`${host.address}/24`);
      const route = await host.exec('ip', ['route', 'show', '224.0.0.0/4']);
      expect(route.stdout).toContain(`dev ${host.interfaceName}`);
    }
  });

  it('delivers multicast from one host to another', async () => {
    await send(a, GROUP, 'mc-hello', 5, 50);
    await expect(waitForOutput(receiver, 'got mc-hello', { timeoutMs: 3000 })).resolves.toBe('got mc-hello');
  });

  it('drops everything at 100% loss and delivers again once cleared', async () => {
    await b.setLoss(100);
    await send(a, GROUP, 'lost', 6, 300);
    await b.setLoss(0);
    await send(a, GROUP, 'after-loss', 3, 50);
    // The first datagram that reaches the receiver after the loss phase must be one sent after it.
    await expect(waitForOutput(receiver, /got (lost|after-loss)/, { timeoutMs: 3000 })).resolves.toBe('got after-loss');
  });

  it('loads a partial loss rule as numgen random in both directions', async () => {
    await b.setLoss(30);
    const table = await b.exec('nft', ['list', 'table', 'inet', 'fileshare_rig']);
    expect(table.stdout.match(/numgen random mod 100 < 30 drop/g)).toHaveLength(2);
    await b.setLoss(0);
    const cleared = await b.exec('nft', ['list', 'tables']);
    expect(cleared.stdout).not.toContain('fileshare_rig');
  });

  it('blocks multicast but not unicast UDP and TCP', async () => {
    await b.blockMulticast(true);
    await send(a, GROUP, 'mc-blocked', 5, 200);
    await send(a, b.address, 'uc-through', 3, 50);
    await expect(waitForOutput(receiver, /got (mc-blocked|uc-through)/, { timeoutMs: 3000 })).resolves.toBe('got uc-through');
    expect(await tcpConnects(a, b)).toBe(true);
    await b.blockMulticast(false);
    await send(a, GROUP, 'mc-again', 3, 50);
    await expect(waitForOutput(receiver, /got (mc-blocked|mc-again)/, { timeoutMs: 3000 })).resolves.toBe('got mc-again');
  });

  it('cuts TCP while the link is down and restores it when up', async () => {
    expect(await tcpConnects(a, b)).toBe(true);
    await b.linkDown();
    const link = await b.exec('ip', ['link', 'show', b.interfaceName]);
    expect(link.stdout).toContain('NO-CARRIER');
    expect(await tcpConnects(a, b, 1000)).toBe(false);
    await b.linkUp();
    expect(await tcpConnects(a, b, 3000)).toBe(true);
  });

  it('changes the MTU the host sees, and frames above the receiver MTU do not get through', async () => {
    await a.setMtu(9000);
    expect((await a.exec('ip', ['link', 'show', a.interfaceName])).stdout).toContain('mtu 9000');
    // 8000 bytes leave A as one frame; B, still at 1500, cannot take it (a real MTU mismatch).
    await send(a, b.address, '', 3, 100, 8000);
    await b.setMtu(9000);
    await send(a, b.address, '', 3, 50, 8001);
    await expect(waitForOutput(receiver, /got big800[01]/, { timeoutMs: 3000 })).resolves.toBe('got big8001');
    await Promise.all([a.setMtu(1500), b.setMtu(1500)]);
    await expect(a.setMtu(10)).rejects.toMatchObject({ code: 'ERR_LAN_INVALID_ARGUMENT' });
  });

  it('reports a non-zero exit from exec as a result, and kills on timeout', async () => {
    const failed = await a.exec('ip', ['link', 'show', 'nonexistent0']);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain('nonexistent0');
    const slow = await a.exec('sleep', ['30'], { timeoutMs: 100 });
    expect(slow.code).toBeNull();
  });
});

describeLan('LAN rig lifecycle', () => {
  it('close() kills processes inside, deletes every namespace and is idempotent', async () => {
    const lan = await createLan({ hosts: 2 });
    const sleeper = lan.hosts[1]!.spawn('sleep', ['300']);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => sleeper.once('exit', (_code, sig) => resolve(sig)));
    expect(netnsNames().filter((n) => n.startsWith(lan.prefix))).toHaveLength(3);
    await Promise.all([lan.close(), lan.close()]);
    await lan.close();
    await expect(exited).resolves.toBe('SIGKILL');
    expect(netnsNames().filter((n) => n.startsWith(lan.prefix))).toEqual([]);
    expect(() => lan.hosts[0]!.spawn('true', [])).toThrow(LanError);
  });

  it('sweeps namespaces left behind by a dead run', async () => {
    // A pid that certainly belonged to a process which is gone now.
    const dead = spawn('true');
    const deadPid = dead.pid!;
    await new Promise((resolve) => dead.once('exit', resolve));
    const stale = `fsrig-${deadPid}-dead01-sw`;
    execFileSync(ipCommand(), ['netns', 'add', stale]);
    const lan = await createLan({ hosts: 1 });
    try {
      expect(netnsNames()).not.toContain(stale);
    } finally {
      await lan.close();
    }
  });

  it('deletes the namespaces of an owner that was SIGKILLed', async () => {
    const distIndex = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
    const owner = spawn(
      process.execPath,
      ['--input-type=module', '-e', `const { createLan } = await import(${JSON.stringify(distIndex)}); const lan = await createLan({ hosts: 2 }); console.log(lan.prefix); setInterval(() => {}, 1000);`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const prefix = await waitForOutput(owner, /^fsrig-/, { timeoutMs: 10000 });
    expect(netnsNames().filter((n) => n.startsWith(prefix))).toHaveLength(3);
    owner.kill('SIGKILL');
    await new Promise((resolve) => owner.once('close', resolve));
    expect(await eventually(() => netnsNames().every((n) => !n.startsWith(prefix)), 5000)).toBe(true);
  });

  it('runs two LANs side by side with distinct names', async () => {
    const [one, two] = await Promise.all([createLan({ hosts: 1 }), createLan({ hosts: 1 })]);
    try {
      expect(one.prefix).not.toBe(two.prefix);
      expect(one.hosts[0]!.netns).not.toBe(two.hosts[0]!.netns);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});
