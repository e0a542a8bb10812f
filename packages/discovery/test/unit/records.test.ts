import dnsPacket, { type Answer, type Question } from 'dns-packet';
import { describe, expect, it } from '@jest/globals';
import { decodeTxt } from '@fileshare/protocol';
import {
  type DnsRecord,
  type LocalService,
  announcement,
  answerQuestions,
  goodbye,
  legacyUnicast,
  questionClass,
} from '../../src/records.js';

const ID = '0123456789abcdef0123456789abcdef';
const INSTANCE = `Peer-${ID}._fileshare._tcp.local`;
const HOST = 'fileshare-0123456789abcdef0123456789abcdef.local';
const svc: LocalService = { id: ID, name: 'Alice laptop', port: 7070, version: 1, hostTtl: 120, serviceTtl: 4500 };

/** Sends the records through the real encoder and decoder: what goes on the wire. */
function wire(answers: Answer[], additionals: Answer[] = []): { answers: DnsRecord[]; additionals: DnsRecord[] } {
  const decoded = dnsPacket.decode(dnsPacket.encode({ type: 'response', id: 0, flags: 1 << 10, answers, additionals }));
  const records = (list: Answer[] = []): DnsRecord[] => list.filter((a): a is DnsRecord => a.type !== 'OPT');
  return { answers: records(decoded.answers), additionals: records(decoded.additionals) };
}

const summary = (a: Answer): string => `${a.type} ${a.name}`;

describe('our records', () => {
  it('announce PTR, SRV, TXT, one A per address, the type enumeration PTR and NSEC, with RFC TTLs and flush bits', () => {
    const { answers } = wire(announcement(svc, ['192.168.1.20', '10.0.0.5']));
    expect(answers.map(summary)).toEqual([
      'PTR _fileshare._tcp.local',
      `SRV ${INSTANCE}`,
      `TXT ${INSTANCE}`,
      `A ${HOST}`,
      `A ${HOST}`,
      'PTR _services._dns-sd._udp.local',
      `NSEC ${HOST}`,
    ]);
    const byType = (t: string): DnsRecord[] => answers.filter((a) => a.type === t);
    expect(byType('PTR').map((a) => [a.ttl, a.flush, a.data])).toEqual([
      [4500, false, INSTANCE],
      [4500, false, '_fileshare._tcp.local'],
    ]);
    const srv = byType('SRV')[0]!;
    expect(srv).toMatchObject({ ttl: 120, flush: true, data: { port: 7070, target: HOST, priority: 0, weight: 0 } });
    const txt = byType('TXT')[0]!;
    expect(txt).toMatchObject({ ttl: 4500, flush: true });
    expect(decodeTxt(txt.data as Buffer[])).toEqual({ ok: true, value: { id: ID, port: 7070, name: 'Alice laptop', version: 1 } });
    expect(byType('A').map((a) => [a.data, a.ttl, a.flush])).toEqual([
      ['192.168.1.20', 120, true],
      ['10.0.0.5', 120, true],
    ]);
    expect(byType('NSEC')[0]).toMatchObject({ ttl: 120, flush: true, data: { nextDomain: HOST, rrtypes: ['A'] } });
  });

  it('say goodbye with TTL 0 on the instance records, leaving the type enumeration alone', () => {
    const { answers } = wire(goodbye(svc, ['192.168.1.20']));
    expect(answers.map(summary)).toEqual(['PTR _fileshare._tcp.local', `SRV ${INSTANCE}`, `TXT ${INSTANCE}`, `A ${HOST}`]);
    expect(answers.every((a) => a.ttl === 0)).toBe(true);
  });
});

describe('answering questions', () => {
  const ask = (questions: Question[], known: Answer[] = []): { answers: string[]; additionals: string[] } => {
    const r = answerQuestions(svc, ['192.168.1.20'], questions, known);
    const w = wire(r.answers, r.additionals);
    return { answers: w.answers.map(summary), additionals: w.additionals.map(summary) };
  };

  it('answers a browse (PTR) with the PTR, and SRV, TXT, A and NSEC as additionals (RFC 6763 12.1)', () => {
    expect(ask([{ name: '_fileshare._tcp.local', type: 'PTR' }])).toEqual({
      answers: ['PTR _fileshare._tcp.local'],
      additionals: [`SRV ${INSTANCE}`, `TXT ${INSTANCE}`, `A ${HOST}`, `NSEC ${HOST}`],
    });
  });

  it('answers the service type enumeration (RFC 6763 9)', () => {
    expect(ask([{ name: '_services._dns-sd._udp.local', type: 'PTR' }])).toEqual({
      answers: ['PTR _services._dns-sd._udp.local'],
      additionals: [],
    });
  });

  it('answers SRV, TXT, A and ANY for our names, case-insensitively', () => {
    expect(ask([{ name: INSTANCE.toUpperCase(), type: 'SRV' }])).toEqual({
      answers: [`SRV ${INSTANCE}`],
      additionals: [`A ${HOST}`, `NSEC ${HOST}`],
    });
    expect(ask([{ name: INSTANCE, type: 'TXT' }]).answers).toEqual([`TXT ${INSTANCE}`]);
    expect(ask([{ name: HOST, type: 'A' }])).toEqual({ answers: [`A ${HOST}`], additionals: [`NSEC ${HOST}`] });
    expect(ask([{ name: INSTANCE, type: 'ANY' as Question['type'] }]).answers).toEqual([`SRV ${INSTANCE}`, `TXT ${INSTANCE}`]);
  });

  it('answers AAAA for our host with NSEC: the name has only A records (RFC 6762 6.1)', () => {
    expect(ask([{ name: HOST, type: 'AAAA' }])).toEqual({ answers: [`NSEC ${HOST}`], additionals: [`A ${HOST}`] });
  });

  it('answers nothing for other names, types or classes', () => {
    expect(ask([{ name: '_other._tcp.local', type: 'PTR' }]).answers).toEqual([]);
    expect(ask([{ name: 'Peer-ffffffffffffffffffffffffffffffff._fileshare._tcp.local', type: 'SRV' }]).answers).toEqual([]);
    expect(ask([{ name: INSTANCE, type: 'A' }]).answers).toEqual([]);
    expect(ask([{ name: HOST, type: 'A', class: 'CH' }]).answers).toEqual([]);
  });

  it('treats a question with the unicast-response bit like any other (answered by multicast)', () => {
    const query = dnsPacket.encode({ type: 'query', id: 0, questions: [{ name: '_fileshare._tcp.local', type: 'PTR' }] });
    query.writeUInt16BE(0x8001, query.length - 2);
    const decoded = dnsPacket.decode(query);
    expect(questionClass(decoded.questions?.[0]?.class)).toBe('IN');
    expect(ask(decoded.questions ?? []).answers).toEqual(['PTR _fileshare._tcp.local']);
  });

  it('suppresses a known answer whose TTL is at least half of ours (RFC 6762 7.1)', () => {
    const known = (ttl: number): Answer => ({ name: '_fileshare._tcp.local', type: 'PTR', ttl, data: INSTANCE.toUpperCase() });
    expect(ask([{ name: '_fileshare._tcp.local', type: 'PTR' }], [known(2250)]).answers).toEqual([]);
    expect(ask([{ name: '_fileshare._tcp.local', type: 'PTR' }], [known(2249)]).answers).toEqual(['PTR _fileshare._tcp.local']);
  });

  it('puts each address only in the answer for the interface it belongs to', () => {
    const r = answerQuestions(svc, ['10.9.0.1'], [{ name: HOST, type: 'A' }]);
    expect(r.answers.map((a) => (a.type === 'A' ? a.data : ''))).toEqual(['10.9.0.1']);
  });

  it('makes legacy unicast answers: TTL at most 10 s, no cache-flush bit (RFC 6762 6.7)', () => {
    const out = legacyUnicast(announcement(svc, ['192.168.1.20']));
    expect(out.every((a) => a.type !== 'OPT' && a.ttl === 10 && a.flush === false)).toBe(true);
  });
});
