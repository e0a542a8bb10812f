import { EventEmitter } from 'node:events';
import type { RemoteInfo } from 'node:dgram';
import { networkInterfaces as osNetworkInterfaces } from 'node:os';
import type { Answer, Packet, Question } from 'dns-packet';
import {
  type Logger,
  MDNS_PORT,
  PROTOCOL_VERSION,
  SERVICE_FQDN,
  isDeviceId,
  sanitizeDeviceName,
  silentLogger,
} from '@fileshare/protocol';
import { type CacheResult, PeerCache } from './cache.js';
import {
  ANNOUNCE_REPEAT_MS,
  DEFAULT_TTL_SECONDS,
  INTERFACE_POLL_MS,
  MIN_QUESTION_INTERVAL_MS,
  QUERY_BACKOFF_INITIAL_MS,
  QUERY_BACKOFF_MAX_MS,
  SERVICE_TTL_SECONDS,
  SHARED_ANSWER_DELAY_MAX_MS,
  SHARED_ANSWER_DELAY_MIN_MS,
  WARNING_BURST,
  WARNING_DEDUPE_MS,
  WARNING_WINDOW_MS,
} from './constants.js';
import { DiscoveryError } from './errors.js';
import {
  type LocalInterface,
  type NetworkInterfaces,
  interfaceKey,
  onInterfaceSubnet,
  selectInterfaces,
} from './interfaces.js';
import {
  type LocalService,
  announcement,
  answerQuestions,
  goodbye,
  hasSharedRecord,
  legacyUnicast,
  recordKey,
} from './records.js';
import { ResponseScheduler } from './responder.js';
import { type MdnsSocket, openMdnsSocket } from './transport.js';
import type { DiscoveredPeer, Discovery, DiscoveryInit } from './types.js';

/** DNS header flag: authoritative answer (all mDNS responses set it, RFC 6762 18.4). */
const FLAG_AA = 1 << 10;

/** Things the tests may replace; production uses the real ones. */
export interface DiscoveryDeps {
  /** Default `os.networkInterfaces`. */
  networkInterfaces?: () => NetworkInterfaces;
  /** Default Math.random (response delays, refresh jitter). */
  random?: () => number;
  /** How often interfaces are re-read; default INTERFACE_POLL_MS (5 s). */
  interfacePollMs?: number;
}

interface Unit {
  iface: LocalInterface;
  key: string;
  socket: MdnsSocket | undefined;
  responder: ResponseScheduler;
  /** Signatures of queries we multicast on this unit, with the time: their echo is not answered. */
  sentQueries: Map<string, number>;
}

/** How long the multicast echo of one of our own queries is recognised. */
const OWN_QUERY_ECHO_MS = 1000;

function querySignature(packet: Packet): string {
  const questions = (packet.questions ?? []).map((q) => `${q.name.toLowerCase()}|${q.type}`);
  const known = (packet.answers ?? []).map(recordKey);
  return `${questions.join(';')}#${known.sort().join(';')}`;
}

type State = 'idle' | 'starting' | 'running' | 'closed';

class MdnsDiscovery extends EventEmitter implements Discovery {
  private readonly svc: LocalService;
  private readonly logger: Logger;
  private readonly interfaceOption: string | undefined;
  private readonly loopbackOption: boolean | undefined;
  private readonly readInterfaces: () => NetworkInterfaces;
  private readonly random: () => number;
  private readonly interfacePollMs: number;
  private readonly cache: PeerCache;

  private state: State = 'idle';
  private startPromise: Promise<void> | undefined;
  private closePromise: Promise<void> | undefined;
  private readonly units = new Map<string, Unit>();
  private readonly oneShots = new Set<ReturnType<typeof setTimeout>>();
  private queryTimer: ReturnType<typeof setTimeout> | undefined;
  private queryDelay = QUERY_BACKOFF_INITIAL_MS;
  private lastQueryAt = -Infinity;
  private cacheTimer: ReturnType<typeof setTimeout> | undefined;
  private cacheTimerAt = Infinity;
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private reconciling: Promise<void> | undefined;
  private readonly warned = new Map<string, number>();
  private warnWindowStart = 0;
  private warnWindowCount = 0;

  constructor(init: DiscoveryInit, deps: DiscoveryDeps = {}) {
    super();
    if (!isDeviceId(init.deviceId)) {
      throw new DiscoveryError('ERR_DISCOVERY_INVALID_OPTION', 'deviceId must be 32 lowercase hexadecimal characters.');
    }
    if (!Number.isInteger(init.port) || init.port < 1 || init.port > 65535) {
      throw new DiscoveryError('ERR_DISCOVERY_INVALID_OPTION', `port must be an integer from 1 to 65535, not ${init.port}.`);
    }
    const ttl = init.ttlSeconds ?? DEFAULT_TTL_SECONDS;
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 86_400) {
      throw new DiscoveryError('ERR_DISCOVERY_INVALID_OPTION', `ttlSeconds must be an integer from 1 to 86400, not ${ttl}.`);
    }
    this.svc = {
      id: init.deviceId,
      name: sanitizeDeviceName(init.name),
      port: init.port,
      version: PROTOCOL_VERSION,
      hostTtl: ttl,
      serviceTtl: Math.max(SERVICE_TTL_SECONDS, ttl),
    };
    this.logger = init.logger ?? silentLogger;
    this.interfaceOption = init.interface;
    this.loopbackOption = init.loopback;
    this.readInterfaces = deps.networkInterfaces ?? osNetworkInterfaces;
    this.random = deps.random ?? Math.random;
    this.interfacePollMs = deps.interfacePollMs ?? INTERFACE_POLL_MS;
    this.cache = new PeerCache({
      selfId: init.deviceId,
      random: this.random,
      isLocalSubnet: (address) => [...this.units.values()].some((u) => onInterfaceSubnet(u.iface, address)),
      ...(init.isPinned ? { isPinned: init.isPinned } : {}),
    });
  }

  get addresses(): readonly string[] {
    const out: string[] = [];
    for (const u of this.units.values()) for (const a of u.iface.addresses) if (!out.includes(a.address)) out.push(a.address);
    return out;
  }

  peers(): DiscoveredPeer[] {
    return this.cache.peers();
  }

  start(): Promise<void> {
    if (this.state === 'closed') {
      return Promise.reject(new DiscoveryError('ERR_DISCOVERY_CLOSED', 'Discovery was closed.'));
    }
    this.startPromise ??= this.doStart().catch((error: unknown) => {
      // A failed start can be retried (the network may come up later), unless closed.
      if (!this.isClosed()) {
        this.state = 'idle';
        this.startPromise = undefined;
      }
      throw error;
    });
    return this.startPromise;
  }

  query(): void {
    if (this.state !== 'running') return;
    this.queryDelay = QUERY_BACKOFF_INITIAL_MS;
    const wait = Math.max(0, this.lastQueryAt + MIN_QUESTION_INTERVAL_MS - Date.now());
    if (wait === 0) this.runBrowseQuery();
    else this.setQueryTimer(wait);
  }

  close(): Promise<void> {
    this.closePromise ??= this.doClose();
    return this.closePromise;
  }

  // ---- lifecycle -------------------------------------------------------------------------

  // Methods, so that TypeScript does not narrow `state` across awaits.
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private isRunning(): boolean {
    return this.state === 'running';
  }

  private async doStart(): Promise<void> {
    this.state = 'starting';
    const selection = selectInterfaces(this.readInterfaces(), {
      interface: this.interfaceOption,
      loopback: this.loopbackOption,
    });
    if (!selection.ok) throw selection.error;

    const opened = await Promise.allSettled(selection.value.map((iface) => this.openUnit(iface)));
    const units: Unit[] = [];
    const failures: DiscoveryError[] = [];
    for (const r of opened) {
      if (r.status === 'fulfilled') units.push(r.value);
      else failures.push(asDiscoveryError(r.reason));
    }
    if (this.isClosed()) {
      await Promise.all(units.map((u) => this.closeUnit(u, false)));
      throw new DiscoveryError('ERR_DISCOVERY_CLOSED', 'Discovery was closed while starting.');
    }
    if (units.length === 0) {
      throw failures[0] ?? new DiscoveryError('ERR_DISCOVERY_BIND', 'No mDNS socket could be opened.');
    }
    for (const f of failures) this.warn(f);
    this.state = 'running';
    for (const u of units) {
      this.units.set(u.iface.name, u);
      this.announce(u, true);
    }
    this.logger.info('discovery started', { interfaces: units.map((u) => u.key), id: this.svc.id });
    this.queryDelay = QUERY_BACKOFF_INITIAL_MS;
    this.runBrowseQuery();
    this.pollTimer = setInterval(() => {
      this.reconciling ??= this.reconcileInterfaces().finally(() => {
        this.reconciling = undefined;
      });
    }, this.interfacePollMs);
  }

  private async doClose(): Promise<void> {
    const starting = this.startPromise;
    this.state = 'closed';
    if (starting) await starting.catch(() => undefined);
    if (this.pollTimer !== undefined) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    if (this.queryTimer !== undefined) clearTimeout(this.queryTimer);
    this.queryTimer = undefined;
    if (this.cacheTimer !== undefined) clearTimeout(this.cacheTimer);
    this.cacheTimer = undefined;
    for (const t of this.oneShots) clearTimeout(t);
    this.oneShots.clear();
    // An interface being added right now is closed by the poll itself once it sees `closed`.
    if (this.reconciling) await this.reconciling;
    const units = [...this.units.values()];
    this.units.clear();
    await Promise.all(units.map((u) => this.closeUnit(u, true)));
    this.cache.clear();
    this.warned.clear();
    this.removeAllListeners();
  }

  private async openUnit(iface: LocalInterface): Promise<Unit> {
    const unit: Unit = {
      iface,
      key: interfaceKey(iface),
      socket: undefined,
      sentQueries: new Map(),
      responder: new ResponseScheduler({
        send: (answers, additionals) => {
          void this.send(unit, { type: 'response', id: 0, flags: FLAG_AA, answers, additionals });
        },
      }),
    };
    try {
      unit.socket = await openMdnsSocket(iface, {
        onPacket: (packet, rinfo) => this.onPacket(unit, packet, rinfo),
        onWarning: (error) => this.warn(error),
      });
    } catch (error) {
      unit.responder.close();
      throw error;
    }
    return unit;
  }

  /** Sends our goodbye on the unit (when asked), then closes its socket. */
  private async closeUnit(unit: Unit, sayGoodbye: boolean): Promise<void> {
    unit.responder.close();
    if (sayGoodbye && unit.socket) {
      const addresses = unit.iface.addresses.map((a) => a.address);
      const error = await unit.socket.send({
        type: 'response',
        id: 0,
        flags: FLAG_AA,
        answers: goodbye(this.svc, addresses),
      });
      if (error) this.logger.debug('goodbye not sent', { interface: unit.iface.name, error: error.message });
    }
    await unit.socket?.close();
  }

  // ---- sending ---------------------------------------------------------------------------

  private async send(unit: Unit, packet: Packet, to?: { address: string; port: number }): Promise<void> {
    if (!unit.socket || this.state === 'closed') return;
    if (packet.type === 'query' && !to) {
      const now = Date.now();
      for (const [sig, at] of unit.sentQueries) if (now - at > OWN_QUERY_ECHO_MS) unit.sentQueries.delete(sig);
      unit.sentQueries.set(querySignature(packet), now);
    }
    const error = await unit.socket.send(packet, to);
    if (error && !this.isClosed()) {
      this.warn(
        new DiscoveryError('ERR_DISCOVERY_SOCKET', `Sending on ${unit.iface.name} failed: ${error.message}`, { cause: error }),
      );
    }
  }

  /** Unsolicited announcement (RFC 6762 8.3): now and, when `repeat`, once more a second later. */
  private announce(unit: Unit, repeat: boolean): void {
    const answers = announcement(
      this.svc,
      unit.iface.addresses.map((a) => a.address),
    );
    unit.responder.noteSent(answers);
    void this.send(unit, { type: 'response', id: 0, flags: FLAG_AA, answers });
    if (repeat) {
      this.later(ANNOUNCE_REPEAT_MS, () => {
        if (this.units.get(unit.iface.name) === unit) this.announce(unit, false);
      });
    }
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.oneShots.delete(timer);
      if (this.state === 'running') fn();
    }, ms);
    this.oneShots.add(timer);
  }

  private runBrowseQuery = (): void => {
    this.queryTimer = undefined;
    if (this.state !== 'running') return;
    this.lastQueryAt = Date.now();
    for (const unit of this.units.values()) this.sendBrowseQuery(unit);
    const delay = this.queryDelay;
    this.queryDelay = Math.min(delay * 2, QUERY_BACKOFF_MAX_MS);
    this.setQueryTimer(delay);
  };

  private setQueryTimer(ms: number): void {
    if (this.queryTimer !== undefined) clearTimeout(this.queryTimer);
    this.queryTimer = setTimeout(this.runBrowseQuery, ms);
  }

  private sendBrowseQuery(unit: Unit): void {
    void this.send(unit, {
      type: 'query',
      id: 0,
      flags: 0,
      questions: [{ name: SERVICE_FQDN, type: 'PTR', class: 'IN' }],
      answers: this.cache.knownAnswers(unit.iface.name),
    });
  }

  private sendQuestions(questions: Map<string, Question[]>): void {
    for (const [name, list] of questions) {
      const unit = this.units.get(name);
      if (unit && list.length > 0) void this.send(unit, { type: 'query', id: 0, flags: 0, questions: list });
    }
  }

  // ---- receiving -------------------------------------------------------------------------

  private onPacket(unit: Unit, packet: Packet, rinfo: RemoteInfo): void {
    if (this.state !== 'running' || this.units.get(unit.iface.name) !== unit) return;
    // Every socket sees the group's traffic from every interface (Linux IP_MULTICAST_ALL):
    // a packet belongs to this interface when it comes from one of its subnets. This is also
    // RFC 6762 11's check that the sender is on the local link.
    if (!onInterfaceSubnet(unit.iface, rinfo.address)) return;
    const flags = packet.flags ?? 0;
    // RFC 6762 18.3, 18.11: non-zero OPCODE or RCODE means "not for us".
    if (((flags >> 11) & 0xf) !== 0 || (flags & 0xf) !== 0) return;
    try {
      if (packet.type === 'query') this.onQuery(unit, packet, rinfo);
      else if (packet.type === 'response') this.onResponse(unit, packet, rinfo);
    } catch (error) {
      // Decoded but odd in a way we did not foresee: a warning, never a crash.
      this.warn(
        new DiscoveryError('ERR_DISCOVERY_MALFORMED_PACKET', `Ignored an mDNS packet from ${rinfo.address}: ${String(error)}`, {
          cause: error,
        }),
      );
    }
  }

  private onQuery(unit: Unit, packet: Packet, rinfo: RemoteInfo): void {
    const questions = packet.questions ?? [];
    if (questions.length === 0) return;
    if (rinfo.port === MDNS_PORT && unit.iface.addresses.some((a) => a.address === rinfo.address)) {
      // Multicast loopback hands us our own queries back; answering them would only make
      // the 1 s rule delay our answer to the next real querier.
      const sig = querySignature(packet);
      const at = unit.sentQueries.get(sig);
      if (at !== undefined && Date.now() - at <= OWN_QUERY_ECHO_MS) {
        unit.sentQueries.delete(sig);
        return;
      }
    }
    const addresses = unit.iface.addresses.map((a) => a.address);
    const legacy = rinfo.port !== MDNS_PORT;
    const { answers, additionals } = answerQuestions(this.svc, addresses, questions, legacy ? [] : packet.answers ?? []);
    if (answers.length === 0) return;
    if (legacy) {
      // RFC 6762 6.7: a one-shot resolver; answer it directly, echoing id and question.
      void this.send(
        unit,
        {
          type: 'response',
          id: packet.id ?? 0,
          flags: FLAG_AA,
          questions,
          answers: legacyUnicast(answers),
          additionals: legacyUnicast(additionals),
        },
        { address: rinfo.address, port: rinfo.port },
      );
      return;
    }
    const delay = hasSharedRecord(answers)
      ? SHARED_ANSWER_DELAY_MIN_MS + this.random() * (SHARED_ANSWER_DELAY_MAX_MS - SHARED_ANSWER_DELAY_MIN_MS)
      : 0;
    unit.responder.schedule(answers, additionals, delay);
  }

  private onResponse(unit: Unit, packet: Packet, rinfo: RemoteInfo): void {
    // RFC 6762 6: responses not sent from port 5353 are not Multicast DNS.
    if (rinfo.port !== MDNS_PORT) return;
    const records: Answer[] = [...(packet.answers ?? []), ...(packet.additionals ?? [])];
    if (records.length === 0) return;
    // On loopback every local node shares 127.0.0.1: no per-source cap there.
    const source = unit.iface.loopback ? undefined : rinfo.address;
    this.apply(this.cache.ingest(unit.iface.name, records, { loopbackInterface: unit.iface.loopback, ...(source !== undefined ? { source } : {}) }));
  }

  private apply(result: CacheResult): void {
    for (const w of result.warnings) this.warn(w);
    for (const e of result.events) {
      if (this.state !== 'running') break;
      if (e.type === 'peer-lost') {
        this.logger.info('peer lost', { id: e.peer.id, reason: e.reason });
        this.emit('peer-lost', e.peer, e.reason);
      } else if (e.type === 'peer-seen') {
        this.emit('peer-seen', e.peer);
      } else {
        this.logger.info(e.type === 'peer-found' ? 'peer found' : 'peer updated', {
          id: e.peer.id,
          address: e.peer.address,
          port: e.peer.port,
        });
        this.emit(e.type, e.peer);
      }
    }
    this.sendQuestions(result.questions);
    this.scheduleCacheTimer();
  }

  private scheduleCacheTimer(): void {
    if (this.state !== 'running') return;
    const deadline = this.cache.nextDeadline();
    if (deadline === undefined) {
      if (this.cacheTimer !== undefined) clearTimeout(this.cacheTimer);
      this.cacheTimer = undefined;
      this.cacheTimerAt = Infinity;
      return;
    }
    if (this.cacheTimer !== undefined && this.cacheTimerAt <= deadline) return;
    if (this.cacheTimer !== undefined) clearTimeout(this.cacheTimer);
    this.cacheTimerAt = deadline;
    this.cacheTimer = setTimeout(
      () => {
        this.cacheTimer = undefined;
        this.cacheTimerAt = Infinity;
        this.apply(this.cache.advance());
      },
      Math.max(0, Math.ceil(deadline - Date.now())),
    );
  }

  // ---- interfaces coming and going --------------------------------------------------------

  private async reconcileInterfaces(): Promise<void> {
    if (!this.isRunning()) return;
    const selection = selectInterfaces(this.readInterfaces(), {
      interface: this.interfaceOption,
      loopback: this.loopbackOption,
    });
    if (!selection.ok) this.warn(selection.error);
    const wanted = new Map((selection.ok ? selection.value : []).map((i) => [i.name, i]));

    for (const unit of [...this.units.values()]) {
      const next = wanted.get(unit.iface.name);
      if (next && interfaceKey(next) === unit.key) continue;
      this.units.delete(unit.iface.name);
      this.logger.info('interface gone or changed', { interface: unit.key });
      await this.closeUnit(unit, true);
      if (!this.isRunning()) return;
      this.apply(this.cache.removeInterface(unit.iface.name));
    }
    for (const iface of wanted.values()) {
      if (this.units.has(iface.name)) continue;
      let unit: Unit;
      try {
        unit = await this.openUnit(iface);
      } catch (error) {
        this.warn(asDiscoveryError(error));
        continue;
      }
      if (!this.isRunning()) {
        await this.closeUnit(unit, false);
        return;
      }
      this.units.set(iface.name, unit);
      this.logger.info('interface added', { interface: unit.key });
      this.announce(unit, true);
      this.sendBrowseQuery(unit);
    }
  }

  // ---- warnings --------------------------------------------------------------------------

  /**
   * Emits a warning unless the same message went out within the last minute or more than
   * WARNING_BURST went out in the last ten seconds: a flood of bad packets must not flood logs.
   */
  private warn(error: DiscoveryError): void {
    if (this.state === 'closed') return;
    const now = Date.now();
    const last = this.warned.get(error.message);
    if (last !== undefined && now - last < WARNING_DEDUPE_MS) return;
    if (now - this.warnWindowStart >= WARNING_WINDOW_MS) {
      this.warnWindowStart = now;
      this.warnWindowCount = 0;
    }
    if (this.warnWindowCount >= WARNING_BURST) return;
    this.warnWindowCount += 1;
    if (this.warned.size >= 256) {
      for (const [message, at] of this.warned) if (now - at >= WARNING_DEDUPE_MS) this.warned.delete(message);
      if (this.warned.size >= 256) this.warned.delete(this.warned.keys().next().value as string);
    }
    this.warned.set(error.message, now);
    this.logger.warn(error.message, { code: error.code });
    this.emit('warning', error);
  }
}

function asDiscoveryError(error: unknown): DiscoveryError {
  if (error instanceof DiscoveryError) return error;
  return new DiscoveryError('ERR_DISCOVERY_SOCKET', `mDNS socket failed: ${String(error)}`, { cause: error });
}

/** Creates a discovery node; nothing happens on the network until `start()`. */
export function createDiscovery(init: DiscoveryInit, deps?: DiscoveryDeps): Discovery {
  return new MdnsDiscovery(init, deps);
}
