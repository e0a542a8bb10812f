import type { Answer, Question } from 'dns-packet';
import {
  type DeviceId,
  SERVICE_FQDN,
  type ServiceTxt,
  decodeTxt,
  hostNameFor,
  instanceFqdnFor,
  parseInstanceName,
} from '@fileshare/protocol';
import {
  GOODBYE_GRACE_MS,
  MAX_ADDRESSES_PER_HOST,
  MAX_CACHE_RECORDS,
  MAX_INSTANCES_PER_SOURCE,
  MAX_PEERS,
  MIN_QUESTION_INTERVAL_MS,
  REFRESH_FRACTIONS,
  REFRESH_JITTER,
} from './constants.js';
import { DiscoveryError } from './errors.js';
import { compareIPv4, isLoopback, isUsableUnicast } from './ipv4.js';
import { type DnsRecord, lower, recordKey } from './records.js';
import type { DiscoveredPeer, PeerLostReason } from './types.js';

export type PeerEvent =
  | { type: 'peer-found' | 'peer-updated' | 'peer-seen'; peer: DiscoveredPeer }
  | { type: 'peer-lost'; peer: DiscoveredPeer; reason: PeerLostReason };

export interface CacheResult {
  events: PeerEvent[];
  warnings: DiscoveryError[];
  /** Questions to ask, per interface name (cache refresh, resolving a half-known peer). */
  questions: Map<string, Question[]>;
}

export interface PeerCacheInit {
  selfId: DeviceId;
  now?: () => number;
  random?: () => number;
  maxPeers?: number;
  maxRecords?: number;
  /** Instances learnt from one source address; default MAX_INSTANCES_PER_SOURCE. */
  maxPerSource?: number;
  /** Pinned peers are never evicted to make room for a newcomer (see `ingest`). */
  isPinned?: (id: DeviceId) => boolean;
  /** True when `address` is on a subnet of one of our interfaces (preferred as `peer.address`). */
  isLocalSubnet?: (address: string) => boolean;
}

type EntryType = 'PTR' | 'SRV' | 'TXT' | 'A';

interface Entry {
  id: string;
  iface: string;
  /** Lookup name: the owner name, or for PTR `ptr:<instance>`. */
  name: string;
  type: EntryType;
  instanceId?: DeviceId;
  srv?: { port: number; target: string };
  txt?: ServiceTxt;
  address?: string;
  ttlMs: number;
  receivedAt: number;
  expiresAt: number;
  goodbye: boolean;
  refreshStep: number;
  jitter: number;
}

interface Parsed {
  name: string;
  type: EntryType;
  key: string;
  ttl: number;
  flush: boolean;
  instanceId?: DeviceId;
  srv?: { port: number; target: string };
  txt?: ServiceTxt;
  address?: string;
}

const SERVICE = lower(SERVICE_FQDN);
const SERVICE_SUFFIX = `.${SERVICE}`;

function samePeer(a: DiscoveredPeer, b: DiscoveredPeer): boolean {
  return (
    a.address === b.address &&
    a.port === b.port &&
    a.name === b.name &&
    a.version === b.version &&
    a.addresses.length === b.addresses.length &&
    a.addresses.every((x, i) => x === b.addresses[i])
  );
}

/**
 * The browse side as pure logic: a Multicast DNS cache of the records of our service type, kept
 * per interface (RFC 6762 10.2: a cache-flush on one interface does not touch another), and the
 * peer table derived from it. Time comes from `now()`; the caller asks `nextDeadline()` and calls
 * `advance()` then.
 *
 * A peer exists while it has a live SRV, a live valid TXT and at least one live A record for the
 * SRV target. The SRV port is authoritative; a different TXT port only causes a warning.
 */
export class PeerCache {
  private readonly selfId: DeviceId;
  private readonly selfInstance: string;
  private readonly selfHost: string;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly maxPeers: number;
  private readonly maxRecords: number;
  private readonly isLocalSubnet: (address: string) => boolean;
  private readonly maxPerSource: number;
  private readonly isPinned: (id: DeviceId) => boolean;

  private readonly entries = new Map<string, Entry>();
  private readonly byName = new Map<string, Set<Entry>>();
  /** SRV entries by their (lower-case) target host name. */
  private readonly byTarget = new Map<string, Set<Entry>>();
  /** Instance ids with at least one cached PTR/SRV/TXT, with the time of the latest one. */
  private readonly instances = new Map<DeviceId, number>();
  private readonly peerTable = new Map<DeviceId, DiscoveredPeer>();
  private readonly lastAsked = new Map<string, number>();
  /** The source address each instance was first learnt from, and the instances per source. */
  private readonly sourceOf = new Map<DeviceId, string>();
  private readonly bySource = new Map<string, Set<DeviceId>>();

  constructor(init: PeerCacheInit) {
    this.selfId = init.selfId;
    this.selfInstance = lower(instanceFqdnFor(init.selfId));
    this.selfHost = lower(hostNameFor(init.selfId));
    this.now = init.now ?? Date.now;
    this.random = init.random ?? Math.random;
    this.maxPeers = init.maxPeers ?? MAX_PEERS;
    this.maxRecords = init.maxRecords ?? MAX_CACHE_RECORDS;
    this.isLocalSubnet = init.isLocalSubnet ?? (() => false);
    this.maxPerSource = init.maxPerSource ?? MAX_INSTANCES_PER_SOURCE;
    this.isPinned = init.isPinned ?? (() => false);
  }

  peers(): DiscoveredPeer[] {
    return [...this.peerTable.values()].map((p) => ({ ...p, addresses: [...p.addresses] }));
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Records of a response received on `iface` (answers and additionals together). `source` is the
   * packet's source address: at most `maxPerSource` instances are learnt from one source. When
   * the instance table is full, a new instance evicts the one heard least recently that is not
   * pinned (half-resolved ones first); an evicted peer is lost with reason `expired`.
   */
  ingest(iface: string, records: readonly Answer[], opts: { loopbackInterface?: boolean; source?: string } = {}): CacheResult {
    const now = this.now();
    const warnings: DiscoveryError[] = [];
    const parsed: Parsed[] = [];
    const targets = new Set<string>();
    const addressRecords: DnsRecord[] = [];

    for (const r of records) {
      if (r.type === 'OPT' || (r.class !== undefined && r.class !== 'IN')) continue;
      const name = lower(r.name);
      if (r.type === 'PTR' && name === SERVICE) {
        const id = parseInstanceName(String(r.data));
        if (!id.ok) {
          warnings.push(invalid(`PTR points to "${String(r.data).slice(0, 100)}", not a fileshare instance name.`));
          continue;
        }
        if (id.value === this.selfId) continue;
        parsed.push({ ...base(r), name: `ptr:${lower(instanceFqdnFor(id.value))}`, type: 'PTR', instanceId: id.value });
      } else if ((r.type === 'SRV' || r.type === 'TXT') && name.endsWith(SERVICE_SUFFIX)) {
        const id = parseInstanceName(name);
        if (!id.ok) {
          warnings.push(invalid(`"${r.name.slice(0, 100)}" is not a fileshare instance name.`));
          continue;
        }
        if (id.value === this.selfId) continue;
        if (r.type === 'SRV') {
          const port = r.data.port;
          const target = typeof r.data.target === 'string' ? lower(r.data.target) : '';
          if (!Number.isInteger(port) || port < 1 || port > 65535 || target === '' || target === '.') {
            warnings.push(invalid(`SRV of ${r.name.slice(0, 100)} has no valid port and target.`));
            continue;
          }
          targets.add(target);
          parsed.push({ ...base(r), name, type: 'SRV', instanceId: id.value, srv: { port, target } });
        } else {
          const strings = Array.isArray(r.data) ? r.data : [r.data];
          const txt = decodeTxt(strings);
          if (!txt.ok) {
            warnings.push(invalid(`TXT of ${r.name.slice(0, 100)}: ${txt.error.message}`));
            continue;
          }
          if (txt.value.id !== id.value) {
            warnings.push(invalid(`TXT id ${txt.value.id} does not match instance ${r.name.slice(0, 100)}.`));
            continue;
          }
          parsed.push({ ...base(r), name, type: 'TXT', instanceId: id.value, txt: txt.value });
        }
      } else if (r.type === 'A') {
        addressRecords.push(r);
      }
    }

    // A records matter only for host names that some SRV of our service type points to.
    for (const r of addressRecords) {
      const name = lower(r.name);
      if (name === this.selfHost) continue;
      if (!targets.has(name) && this.srvIdsForTarget(name).size === 0) continue;
      const address = typeof r.data === 'string' ? r.data : '';
      if (!isUsableUnicast(address) || (isLoopback(address) && opts.loopbackInterface !== true)) {
        warnings.push(invalid(`A record of ${r.name.slice(0, 100)} has unusable address ${address.slice(0, 40)}.`));
        continue;
      }
      parsed.push({ ...base(r), name, type: 'A', address });
    }

    const affected = new Set<DeviceId>();
    const goodbyes = new Set<DeviceId>();
    for (const p of parsed) this.upsert(iface, p, now, affected, goodbyes, warnings, opts.source);

    const result = this.reconcile(affected, goodbyes, warnings);
    this.resolveQuestions(iface, affected, now, result.questions);
    return result;
  }

  /** Expires records and schedules refresh queries that are due at `now()`. */
  advance(): CacheResult {
    const now = this.now();
    const affected = new Set<DeviceId>();
    const goodbyes = new Set<DeviceId>();
    const questions = new Map<string, Question[]>();
    for (const e of [...this.entries.values()]) {
      if (e.expiresAt <= now) {
        for (const id of this.idsOf(e)) {
          affected.add(id);
          if (e.goodbye) goodbyes.add(id);
        }
        this.remove(e);
        continue;
      }
      let due = false;
      while (e.refreshStep < REFRESH_FRACTIONS.length && now >= this.refreshAt(e)) {
        e.refreshStep += 1;
        due = true;
      }
      if (due) {
        const name = e.type === 'PTR' ? SERVICE : e.name;
        addQuestion(questions, e.iface, { name, type: e.type, class: 'IN' });
      }
    }
    const result = this.reconcile(affected, goodbyes, []);
    for (const [iface, qs] of questions) for (const q of qs) addQuestion(result.questions, iface, q);
    return result;
  }

  /** Earliest time `advance()` has something to do, or undefined when the cache is empty. */
  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const e of this.entries.values()) {
      let t = e.expiresAt;
      if (e.refreshStep < REFRESH_FRACTIONS.length) t = Math.min(t, this.refreshAt(e));
      if (next === undefined || t < next) next = t;
    }
    return next;
  }

  /** Drops what was learnt on an interface that went away. */
  removeInterface(iface: string): CacheResult {
    const affected = new Set<DeviceId>();
    for (const e of [...this.entries.values()]) {
      if (e.iface !== iface) continue;
      for (const id of this.idsOf(e)) affected.add(id);
      this.remove(e);
    }
    return this.reconcile(affected, new Set(), []);
  }

  /** Known answers for a browse query on `iface` (RFC 6762 7.1): PTRs with more than half their TTL left. */
  knownAnswers(iface: string): Answer[] {
    const now = this.now();
    const out: Answer[] = [];
    for (const e of this.entries.values()) {
      if (e.iface !== iface || e.type !== 'PTR' || e.goodbye || e.instanceId === undefined) continue;
      const left = e.expiresAt - now;
      if (left * 2 <= e.ttlMs) continue;
      out.push({ name: SERVICE_FQDN, type: 'PTR', class: 'IN', ttl: Math.floor(left / 1000), data: instanceFqdnFor(e.instanceId) });
    }
    return out;
  }

  clear(): void {
    this.entries.clear();
    this.byName.clear();
    this.byTarget.clear();
    this.instances.clear();
    this.peerTable.clear();
    this.lastAsked.clear();
    this.sourceOf.clear();
    this.bySource.clear();
  }

  private refreshAt(e: Entry): number {
    const fraction = REFRESH_FRACTIONS[e.refreshStep] ?? 1;
    return e.receivedAt + e.ttlMs * (fraction + e.jitter);
  }

  private upsert(
    iface: string,
    p: Parsed,
    now: number,
    affected: Set<DeviceId>,
    goodbyes: Set<DeviceId>,
    warnings: DiscoveryError[],
    source?: string,
  ): void {
    const id = `${iface}\n${p.key}`;
    const existing = this.entries.get(id);
    const touched = (e: Entry): void => {
      for (const i of this.idsOf(e)) affected.add(i);
    };

    if (p.ttl === 0) {
      // Goodbye (RFC 6762 10.1): keep for one more second, then delete.
      if (!existing) return;
      this.markGoodbye(existing, now);
      for (const i of this.idsOf(existing)) goodbyes.add(i);
      touched(existing);
      if (p.type === 'PTR' && p.instanceId !== undefined) {
        // The service instance is gone: its SRV and TXT on this interface go with it.
        const instance = lower(instanceFqdnFor(p.instanceId));
        for (const e of this.byName.get(instance) ?? []) if (e.iface === iface) this.markGoodbye(e, now);
        goodbyes.add(p.instanceId);
      }
      return;
    }

    if (p.flush) {
      // Cache-flush (RFC 6762 10.2): other records of this name and type on this interface
      // that are older than one second are deleted one second from now.
      for (const e of this.byName.get(p.name) ?? []) {
        if (e.iface === iface && e.type === p.type && e.id !== id && e.receivedAt < now - GOODBYE_GRACE_MS) {
          e.expiresAt = Math.min(e.expiresAt, now + GOODBYE_GRACE_MS);
          e.refreshStep = REFRESH_FRACTIONS.length;
          touched(e);
        }
      }
    }

    const ttlMs = p.ttl * 1000;
    if (existing) {
      existing.ttlMs = ttlMs;
      existing.receivedAt = now;
      existing.expiresAt = now + ttlMs;
      existing.goodbye = false;
      existing.refreshStep = 0;
      existing.jitter = this.random() * REFRESH_JITTER;
      if (p.txt) existing.txt = p.txt;
      if (existing.instanceId !== undefined) this.instances.set(existing.instanceId, now);
      touched(existing);
      return;
    }

    const newInstance = p.instanceId !== undefined && !this.instances.has(p.instanceId);
    if (newInstance && source !== undefined && (this.bySource.get(source)?.size ?? 0) >= this.maxPerSource) {
      // One message per source (the caller's warnings are deduplicated by message).
      warnings.push(limit(`${source} announces more than ${this.maxPerSource} instances; ignoring the others it announces.`));
      return;
    }
    if (newInstance && p.instanceId !== undefined && this.instances.size >= this.maxPeers && !this.evictInstance(affected)) {
      warnings.push(limit(`Peer limit (${this.maxPeers}) reached and every peer is pinned; ignoring ${instanceFqdnFor(p.instanceId)}.`));
      return;
    }
    if (p.type === 'A') {
      const same = [...(this.byName.get(p.name) ?? [])].filter((e) => e.iface === iface && e.type === 'A');
      if (same.length >= MAX_ADDRESSES_PER_HOST) {
        const oldest = same.reduce((a, b) => (a.receivedAt <= b.receivedAt ? a : b));
        touched(oldest);
        this.remove(oldest);
      }
    }
    if (this.entries.size >= this.maxRecords && !this.evictRecord()) {
      warnings.push(limit(`Record cache full (${this.maxRecords}); ignoring a record of ${p.name.slice(0, 100)}.`));
      return;
    }

    const entry: Entry = {
      id,
      iface,
      name: p.name,
      type: p.type,
      ttlMs,
      receivedAt: now,
      expiresAt: now + ttlMs,
      goodbye: false,
      refreshStep: 0,
      jitter: this.random() * REFRESH_JITTER,
      ...(p.instanceId !== undefined ? { instanceId: p.instanceId } : {}),
      ...(p.srv ? { srv: p.srv } : {}),
      ...(p.txt ? { txt: p.txt } : {}),
      ...(p.address !== undefined ? { address: p.address } : {}),
    };
    this.entries.set(id, entry);
    let set = this.byName.get(entry.name);
    if (!set) this.byName.set(entry.name, (set = new Set()));
    set.add(entry);
    if (entry.srv) {
      let targets = this.byTarget.get(entry.srv.target);
      if (!targets) this.byTarget.set(entry.srv.target, (targets = new Set()));
      targets.add(entry);
    }
    if (entry.instanceId !== undefined) {
      this.instances.set(entry.instanceId, now);
      if (source !== undefined && !this.sourceOf.has(entry.instanceId)) {
        this.sourceOf.set(entry.instanceId, source);
        let ids = this.bySource.get(source);
        if (!ids) this.bySource.set(source, (ids = new Set()));
        ids.add(entry.instanceId);
      }
    }
    touched(entry);
  }

  private markGoodbye(e: Entry, now: number): void {
    e.goodbye = true;
    e.expiresAt = Math.min(e.expiresAt, now + GOODBYE_GRACE_MS);
    e.refreshStep = REFRESH_FRACTIONS.length;
  }

  private remove(e: Entry): void {
    this.entries.delete(e.id);
    const set = this.byName.get(e.name);
    if (set) {
      set.delete(e);
      if (set.size === 0) this.byName.delete(e.name);
    }
    if (e.srv) {
      const targets = this.byTarget.get(e.srv.target);
      targets?.delete(e);
      if (targets?.size === 0) this.byTarget.delete(e.srv.target);
    }
    if (e.instanceId !== undefined) {
      const instance = lower(instanceFqdnFor(e.instanceId));
      const left = (this.byName.get(instance)?.size ?? 0) + (this.byName.get(`ptr:${instance}`)?.size ?? 0);
      if (left === 0) this.forgetInstance(e.instanceId);
    }
  }

  private forgetInstance(id: DeviceId): void {
    this.instances.delete(id);
    const source = this.sourceOf.get(id);
    if (source === undefined) return;
    this.sourceOf.delete(id);
    const ids = this.bySource.get(source);
    ids?.delete(id);
    if (ids?.size === 0) this.bySource.delete(source);
  }

  /** Peer ids a change to this entry can affect. */
  private idsOf(e: Entry): DeviceId[] {
    if (e.instanceId !== undefined) return [e.instanceId];
    return [...this.srvIdsForTarget(e.name)];
  }

  private srvIdsForTarget(target: string): Set<DeviceId> {
    const ids = new Set<DeviceId>();
    for (const e of this.byTarget.get(target) ?? []) if (e.instanceId !== undefined) ids.add(e.instanceId);
    return ids;
  }

  /**
   * Makes room for a new instance: the half-resolved instance heard least recently, else the
   * peer heard least recently, never a pinned one. A peer evicted is reported lost (`expired`)
   * by the reconcile that follows, as if its TTL had run out.
   */
  private evictInstance(affected: Set<DeviceId>): boolean {
    let incomplete: DeviceId | undefined;
    let incompleteAt = Infinity;
    let complete: DeviceId | undefined;
    let completeAt = Infinity;
    for (const [id, at] of this.instances) {
      if (this.peerTable.has(id)) {
        if (at < completeAt && !this.isPinned(id)) {
          completeAt = at;
          complete = id;
        }
      } else if (at < incompleteAt && !this.isPinned(id)) {
        incompleteAt = at;
        incomplete = id;
      }
    }
    const victim = incomplete ?? complete;
    if (victim === undefined) return false;
    this.purgeInstance(victim);
    if (this.peerTable.has(victim)) affected.add(victim);
    return true;
  }

  private evictRecord(): boolean {
    let victim: Entry | undefined;
    for (const e of this.entries.values()) {
      const inUse = this.idsOf(e).some((i) => this.peerTable.has(i));
      if (!inUse && (victim === undefined || e.receivedAt < victim.receivedAt)) victim = e;
    }
    if (!victim) return false;
    this.remove(victim);
    return true;
  }

  private purgeInstance(id: DeviceId): void {
    const instance = lower(instanceFqdnFor(id));
    const targets = new Set<string>();
    for (const e of [...(this.byName.get(instance) ?? []), ...(this.byName.get(`ptr:${instance}`) ?? [])]) {
      if (e.srv) targets.add(e.srv.target);
      this.remove(e);
    }
    for (const target of targets) {
      if (this.srvIdsForTarget(target).size > 0) continue;
      for (const e of [...(this.byName.get(target) ?? [])]) this.remove(e);
    }
  }

  private live(name: string, type: EntryType, now: number): Entry[] {
    return [...(this.byName.get(name) ?? [])].filter((e) => e.type === type && e.expiresAt > now);
  }

  private derive(id: DeviceId, now: number, warnings: DiscoveryError[]): DiscoveredPeer | undefined {
    const instance = lower(instanceFqdnFor(id));
    const srvs = this.live(instance, 'SRV', now).sort((a, b) => b.receivedAt - a.receivedAt);
    const txt = this.live(instance, 'TXT', now).sort((a, b) => b.receivedAt - a.receivedAt)[0]?.txt;
    const srv = srvs[0]?.srv;
    if (!srv || !txt) return undefined;
    const seen = new Set<string>();
    for (const target of new Set(srvs.map((s) => s.srv?.target ?? ''))) {
      for (const a of this.live(target, 'A', now)) if (a.address !== undefined) seen.add(a.address);
    }
    if (seen.size === 0) return undefined;
    const addresses = [...seen].sort((a, b) => {
      const pa = this.isLocalSubnet(a) ? 0 : 1;
      const pb = this.isLocalSubnet(b) ? 0 : 1;
      return pa - pb || compareIPv4(a, b);
    });
    if (txt.port !== srv.port) {
      warnings.push(
        new DiscoveryError(
          'ERR_DISCOVERY_PORT_MISMATCH',
          `Peer ${id}: SRV port ${srv.port} and TXT port ${txt.port} differ; using the SRV port.`,
        ),
      );
    }
    return { id, name: txt.name, address: addresses[0] ?? '', addresses, port: srv.port, version: txt.version };
  }

  private reconcile(affected: Set<DeviceId>, goodbyes: Set<DeviceId>, warnings: DiscoveryError[]): CacheResult {
    const now = this.now();
    const events: PeerEvent[] = [];
    for (const id of affected) {
      const prev = this.peerTable.get(id);
      const next = this.derive(id, now, warnings);
      if (next && !prev) {
        if (this.peerTable.size >= this.maxPeers) {
          warnings.push(limit(`Peer limit (${this.maxPeers}) reached; ignoring peer ${id}.`));
          this.purgeInstance(id);
          continue;
        }
        this.peerTable.set(id, next);
        events.push({ type: 'peer-found', peer: { ...next, addresses: [...next.addresses] } });
      } else if (next && prev) {
        if (samePeer(prev, next)) {
          if (goodbyes.has(id)) continue;
          // Heard again with nothing changed (a re-announcement or a refresh answer): the
          // peer is alive, which is what lets a dropped connection be tried again.
          events.push({ type: 'peer-seen', peer: { ...prev, addresses: [...prev.addresses] } });
          continue;
        }
        this.peerTable.set(id, next);
        events.push({ type: 'peer-updated', peer: { ...next, addresses: [...next.addresses] } });
      } else if (prev) {
        this.peerTable.delete(id);
        // Forget the instance entirely, so that when it is heard again (after a partition,
        // say) it is found again and our known-answer lists do not hide it.
        this.purgeInstance(id);
        events.push({ type: 'peer-lost', peer: prev, reason: goodbyes.has(id) ? 'goodbye' : 'expired' });
      }
    }
    return { events, warnings, questions: new Map() };
  }

  /** Asks for what is missing to make a peer out of an instance (RFC 6763 12: SRV, TXT, A). */
  private resolveQuestions(iface: string, affected: Set<DeviceId>, now: number, out: Map<string, Question[]>): void {
    if (this.lastAsked.size > 4096) {
      for (const [k, t] of this.lastAsked) if (now - t >= MIN_QUESTION_INTERVAL_MS) this.lastAsked.delete(k);
    }
    const ask = (name: string, type: 'SRV' | 'TXT' | 'A'): void => {
      const key = `${iface}\n${name}\n${type}`;
      const last = this.lastAsked.get(key);
      if (last !== undefined && now - last < MIN_QUESTION_INTERVAL_MS) return;
      this.lastAsked.set(key, now);
      addQuestion(out, iface, { name, type, class: 'IN' });
    };
    for (const id of affected) {
      if (this.peerTable.has(id)) continue;
      const instance = lower(instanceFqdnFor(id));
      const ptrs = this.live(`ptr:${instance}`, 'PTR', now).filter((e) => !e.goodbye);
      const srvs = this.live(instance, 'SRV', now).filter((e) => !e.goodbye);
      if (ptrs.length === 0 && srvs.length === 0) continue;
      if (srvs.length === 0) ask(instance, 'SRV');
      if (this.live(instance, 'TXT', now).length === 0) ask(instance, 'TXT');
      for (const s of srvs) {
        const target = s.srv?.target;
        if (target !== undefined && this.live(target, 'A', now).length === 0) ask(target, 'A');
      }
    }
  }
}

function base(r: DnsRecord): Omit<Parsed, 'name' | 'type'> {
  return { key: recordKey(r), ttl: r.ttl ?? 0, flush: r.flush === true };
}

function invalid(message: string): DiscoveryError {
  return new DiscoveryError('ERR_DISCOVERY_INVALID_RECORD', message);
}

function limit(message: string): DiscoveryError {
  return new DiscoveryError('ERR_DISCOVERY_LIMIT', message);
}

function addQuestion(map: Map<string, Question[]>, iface: string, q: Question): void {
  let list = map.get(iface);
  if (!list) map.set(iface, (list = []));
  if (!list.some((x) => x.name === q.name && x.type === q.type)) list.push(q);
}
