import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createLan, describeLan, type Lan } from '@fileshare/lan';
import { type AgentEvent, type AgentProcess, MiB, isState, randomFile, sha256, startAgent, tempDir } from './support.js';

const HOSTS = 12;
const SIGNAL_PORT = 47000;
const FILE_BYTES = 8 * MiB;

/**
 * The full mesh must form within this, counted from the first agent's process start. Measured on
 * this project's 2-core machine while other jobs kept it busy: 9.9 s at a load average of 9 and
 * 14.6 s at 19 (the [mesh12] line this test prints); issue 10 measured 6.7 s unloaded. Twelve
 * agents starting at once need several CPU-seconds just to load Node and the native WebRTC
 * module, so on 2 shared cores the time stretches with the load. 30 s is twice the worst loaded
 * measurement and still catches a real regression: a pair that needs an offer retry (the first
 * comes 11 s after the first offer) or connecting that slows down with the number of peers.
 */
const MESH_BOUND_MS = 30_000;
/** How long the test keeps waiting past the bound, so that a slow mesh is measured and reported rather than only timed out. */
const MESH_WAIT_MS = 2 * MESH_BOUND_MS;
/** Every agent prints `ready` (key loaded, sockets open) within this of its start. */
const READY_TIMEOUT_MS = 30_000;
/** All twelve 8 MiB sends, started together, end (exit) within this. */
const SENDS_TIMEOUT_MS = 90_000;
/** After its sender exited 0, the receiver reports the transfer complete within this. */
const RECEIVER_COMPLETE_MS = 10_000;

/** Resolves with the process's exit code; rejects when it has not exited within `ms`. */
function exitWithin(p: AgentProcess, ms: number, what: string): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.exited.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not exit within ${ms / 1000} s; stderr:\n${p.stderr.slice(-2000)}`)), ms);
    }),
  ]);
}

describeLan('twelve hosts (agent run on the LAN rig)', () => {
  let lan: Lan;
  let work: { path: string; remove(): Promise<void> };
  const processes: AgentProcess[] = [];

  beforeAll(async () => {
    lan = await createLan({ hosts: HOSTS });
    work = await tempDir('mesh12');
  });
  afterAll(async () => {
    for (const p of processes) p.kill('SIGKILL');
    await Promise.all(processes.map((p) => p.exited));
    await lan?.close();
    await work?.remove();
  });

  it('twelve hosts reach a full mesh, then each sends an 8 MiB file to the next at the same time and all twelve arrive verified', async () => {
    const hostDir = (i: number, what: string): string => join(work.path, `host-${i}`, what);
    // The files are written first, so that writing them does not compete with the mesh.
    const sources: string[] = [];
    const originals: string[] = [];
    for (let i = 0; i < HOSTS; i++) {
      await mkdir(hostDir(i, 'outbox'), { recursive: true });
      await mkdir(hostDir(i, 'state'), { recursive: true, mode: 0o700 });
      sources.push(join(hostDir(i, 'outbox'), `from-host-${i}.bin`));
      await randomFile(sources[i]!, FILE_BYTES);
      originals.push(await sha256(sources[i]!));
    }

    const startedAt = Date.now();
    const agents = lan.hosts.map((host, i) =>
      startAgent(host, ['run', '--json', '--accept', 'all', '--dir', hostDir(i, 'inbox'), '--state-dir', hostDir(i, 'state'), '--port', String(SIGNAL_PORT), '--name', `mesh12-${i}`]),
    );
    processes.push(...agents);
    const ready = await Promise.all(agents.map((a) => a.ready(READY_TIMEOUT_MS)));
    const ids = ready.map((e) => e.deviceId as string);
    const lastReadyAt = Math.max(...ready.map((e) => e.at as number));

    const connected: AgentEvent[] = await Promise.all(
      agents.flatMap((agent, i) =>
        ids.filter((_, j) => j !== i).map((id) => agent.waitFor(isState(id, 'connected'), MESH_WAIT_MS - (Date.now() - startedAt), `connected to ${id.slice(0, 8)}`)),
      ),
    );
    const meshAt = Math.max(...connected.map((e) => e.at as number));
    const meshMs = meshAt - startedAt;
    process.stderr.write(`[mesh12] ${HOSTS} hosts: full mesh ${(meshMs / 1000).toFixed(2)} s after the first agent started, ${((meshAt - lastReadyAt) / 1000).toFixed(2)} s after the last was ready\n`);
    expect(meshMs).toBeLessThan(MESH_BOUND_MS);

    // Host i sends to host i+1 through its own running agent's state folder (its control socket,
    // or a node of its own where there is none): all twelve at once, so every host sends and
    // receives at the same time.
    const sendsAt = Date.now();
    const senders = agents.map((_, i) =>
      startAgent(lan.hosts[i]!, ['send', '--json', '--state-dir', hostDir(i, 'state'), '--to', ids[(i + 1) % HOSTS]!, '--timeout', '30', sources[i]!]),
    );
    processes.push(...senders);
    const codes = await Promise.all(senders.map((s, i) => exitWithin(s, SENDS_TIMEOUT_MS - (Date.now() - sendsAt), `send from host ${i}`)));
    const sendsMs = Date.now() - sendsAt;
    const failures = senders.flatMap((s, i) => (codes[i] === 0 ? [] : [`host ${i}: exit ${codes[i]} ${JSON.stringify(s.events.find((e) => e.event === 'send-result' || e.event === 'error') ?? {})}`]));
    expect(failures).toEqual([]);

    const received: (string | undefined)[] = [];
    for (let i = 0; i < HOSTS; i++) {
      const to = (i + 1) % HOSTS;
      await agents[to]!.waitFor((e) => e.event === 'transfer-complete' && e.direction === 'receive', RECEIVER_COMPLETE_MS, `receive from host ${i}`);
      received.push(await sha256(join(hostDir(to, 'inbox'), `from-host-${i}.bin`)).catch(() => undefined));
    }
    expect(received).toEqual(originals);
    // Whether the sends went through the running agents (their control socket: the receiver saw
    // the sending host's own device id) or each started a node of its own; both are valid.
    const viaDaemon = agents.filter((a, j) => a.events.some((e) => e.event === 'transfer-offered' && e.peerId === ids[(j + HOSTS - 1) % HOSTS])).length;
    process.stderr.write(
      `[mesh12] ${HOSTS} x ${FILE_BYTES / MiB} MiB sent at once (host i -> i+1): every sender exited 0 in ${(sendsMs / 1000).toFixed(2)} s, every SHA-256 matches on disk; ${viaDaemon} of ${HOSTS} went through the sending host's running agent\n`,
    );
  });
});
