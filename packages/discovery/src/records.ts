import type { Answer, OptAnswer, Question } from 'dns-packet';
import {
  type DeviceId,
  SERVICE_FQDN,
  encodeTxt,
  hostNameFor,
  instanceFqdnFor,
} from '@fileshare/protocol';
import { LEGACY_UNICAST_MAX_TTL_SECONDS, SERVICE_ENUMERATION_FQDN } from './constants.js';

/** What we advertise about ourselves. */
export interface LocalService {
  id: DeviceId;
  name: string;
  port: number;
  version: number;
  /** TTL of SRV, A, NSEC (seconds). */
  hostTtl: number;
  /** TTL of PTR, TXT (seconds). */
  serviceTtl: number;
}

export interface OwnRecords {
  /** `_fileshare._tcp.local PTR Peer-<id>._fileshare._tcp.local` (shared). */
  ptr: Answer;
  /** `_services._dns-sd._udp.local PTR _fileshare._tcp.local` (shared). */
  enumeration: Answer;
  srv: Answer;
  txt: Answer;
  a: Answer[];
  /** Asserts that the host name has A records only (no AAAA), RFC 6762 6.1. */
  nsec: Answer;
}

export const lower = (name: string): string => name.toLowerCase();

/** Any resource record except the EDNS pseudo-record OPT. */
export type DnsRecord = Exclude<Answer, OptAnswer>;

export function ttlOf(a: Answer): number {
  return a.type === 'OPT' ? 0 : (a.ttl ?? 0);
}

/** Our records as sent on one interface, whose addresses are `addresses`. */
export function ownRecords(svc: LocalService, addresses: readonly string[], ttlOverride?: number): OwnRecords {
  const host = hostNameFor(svc.id);
  const instance = instanceFqdnFor(svc.id);
  const hostTtl = ttlOverride ?? svc.hostTtl;
  const serviceTtl = ttlOverride ?? svc.serviceTtl;
  return {
    ptr: { name: SERVICE_FQDN, type: 'PTR', class: 'IN', ttl: serviceTtl, data: instance },
    enumeration: { name: SERVICE_ENUMERATION_FQDN, type: 'PTR', class: 'IN', ttl: serviceTtl, data: SERVICE_FQDN },
    srv: {
      name: instance,
      type: 'SRV',
      class: 'IN',
      flush: true,
      ttl: hostTtl,
      data: { priority: 0, weight: 0, port: svc.port, target: host },
    },
    txt: {
      name: instance,
      type: 'TXT',
      class: 'IN',
      flush: true,
      ttl: serviceTtl,
      data: encodeTxt({ id: svc.id, port: svc.port, name: svc.name, version: svc.version }),
    },
    a: addresses.map((address) => ({ name: host, type: 'A', class: 'IN', flush: true, ttl: hostTtl, data: address })),
    nsec: {
      name: host,
      type: 'NSEC',
      class: 'IN',
      flush: true,
      ttl: hostTtl,
      data: { nextDomain: host, rrtypes: ['A'] },
    },
  };
}

/** The unsolicited announcement (RFC 6762 8.3): every record in the answer section. */
export function announcement(svc: LocalService, addresses: readonly string[]): Answer[] {
  const r = ownRecords(svc, addresses);
  return [r.ptr, r.srv, r.txt, ...r.a, r.enumeration, r.nsec];
}

/**
 * The goodbye (RFC 6762 10.1): our own records with TTL 0. The service-type enumeration PTR is
 * left alone: it says that the type exists, which other instances on this host may still claim.
 */
export function goodbye(svc: LocalService, addresses: readonly string[]): Answer[] {
  const r = ownRecords(svc, addresses, 0);
  return [r.ptr, r.srv, r.txt, ...r.a];
}

/** Identity of a record for known-answer suppression and de-duplication: name, type, data. */
export function recordKey(a: Answer): string {
  const head = `${lower(a.name)}|${a.type}|`;
  switch (a.type) {
    case 'PTR':
    case 'CNAME':
      return head + lower(a.data);
    case 'A':
    case 'AAAA':
      return head + a.data;
    case 'SRV':
      return `${head}${a.data.priority ?? 0}|${a.data.weight ?? 0}|${a.data.port}|${lower(a.data.target)}`;
    case 'TXT': {
      const parts = Array.isArray(a.data) ? a.data : [a.data];
      return head + parts.map((p) => Buffer.from(p).toString('hex')).join('.');
    }
    case 'NSEC':
      return head + lower(a.data.nextDomain) + '|' + a.data.rrtypes.join(',');
    default:
      return head + JSON.stringify((a as { data?: unknown }).data ?? null);
  }
}

/**
 * dns-packet 5 decodes a question class with the unicast-response (QU) bit as `UNKNOWN_<n>`;
 * returns the class without that bit.
 */
export function questionClass(klass: string | undefined): string {
  if (klass === undefined) return 'IN';
  const m = /^UNKNOWN_(\d+)$/.exec(klass);
  if (!m) return klass;
  const value = Number(m[1]) & 0x7fff;
  return value === 1 ? 'IN' : value === 255 ? 'ANY' : klass;
}

export interface QueryAnswer {
  answers: Answer[];
  additionals: Answer[];
}

/**
 * Answers a query's questions from our records as sent on one interface. Known answers (RFC
 * 6762 7.1) suppress a record when the querier's copy has at least half our TTL left.
 */
export function answerQuestions(
  svc: LocalService,
  addresses: readonly string[],
  questions: readonly Question[],
  knownAnswers: readonly Answer[] = [],
): QueryAnswer {
  const r = ownRecords(svc, addresses);
  const service = lower(SERVICE_FQDN);
  const enumeration = lower(SERVICE_ENUMERATION_FQDN);
  const instance = lower(instanceFqdnFor(svc.id));
  const host = lower(hostNameFor(svc.id));

  const known = new Map<string, number>();
  for (const k of knownAnswers) {
    const key = recordKey(k);
    known.set(key, Math.max(known.get(key) ?? 0, ttlOf(k)));
  }
  const suppressed = (a: Answer): boolean => (known.get(recordKey(a)) ?? -1) >= ttlOf(a) / 2;

  const answers = new Map<string, Answer>();
  const additionals = new Map<string, Answer>();
  const answer = (a: Answer): void => {
    if (!suppressed(a)) answers.set(recordKey(a), a);
  };
  const additional = (a: Answer): void => {
    if (!suppressed(a)) additionals.set(recordKey(a), a);
  };

  for (const q of questions) {
    const klass = questionClass(q.class);
    if (klass !== 'IN' && klass !== 'ANY') continue;
    const name = lower(q.name);
    const type = q.type as string;
    const any = type === 'ANY';
    if (name === service && (type === 'PTR' || any)) {
      answer(r.ptr);
      // RFC 6763 12.1: with a PTR answer, SRV, TXT and the addresses go in the additional section.
      additional(r.srv);
      additional(r.txt);
      r.a.forEach(additional);
      additional(r.nsec);
    } else if (name === enumeration && (type === 'PTR' || any)) {
      answer(r.enumeration);
    } else if (name === instance) {
      if (type === 'SRV' || any) {
        answer(r.srv);
        r.a.forEach(additional);
        additional(r.nsec);
      }
      if (type === 'TXT' || any) answer(r.txt);
    } else if (name === host) {
      if (type === 'A' || any) {
        r.a.forEach(answer);
        additional(r.nsec);
      } else if (type === 'AAAA') {
        // Negative answer (RFC 6762 6.1): the name exists with A records only.
        answer(r.nsec);
        r.a.forEach(additional);
      }
      if (any) answer(r.nsec);
    }
  }
  for (const key of answers.keys()) additionals.delete(key);
  return { answers: [...answers.values()], additionals: [...additionals.values()] };
}

/** True when any answer is a shared record (PTR), which RFC 6762 6 asks to delay by 20-120 ms. */
export function hasSharedRecord(answers: readonly Answer[]): boolean {
  return answers.some((a) => a.type === 'PTR');
}

/**
 * RFC 6762 6.7: an answer to a legacy unicast query (source port != 5353) repeats the question,
 * carries the query id, TTLs of at most 10 s and no cache-flush bit.
 */
export function legacyUnicast(records: readonly Answer[]): Answer[] {
  return records.map((a) =>
    a.type === 'OPT' ? a : { ...a, flush: false, ttl: Math.min(ttlOf(a), LEGACY_UNICAST_MAX_TTL_SECONDS) },
  );
}
