import type { Answer } from 'dns-packet';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { ResponseScheduler } from '../../src/responder.js';

const ptr: Answer = { name: '_fileshare._tcp.local', type: 'PTR', ttl: 4500, data: 'Peer-x._fileshare._tcp.local' };
const srv: Answer = { name: 'Peer-x._fileshare._tcp.local', type: 'SRV', ttl: 120, flush: true, data: { port: 1, target: 'h.local' } };
const a: Answer = { name: 'h.local', type: 'A', ttl: 120, flush: true, data: '10.0.0.1' };

describe('response scheduling', () => {
  let sent: { at: number; answers: string[]; additionals: string[] }[];
  let scheduler: ResponseScheduler;
  const start = 5_000_000;

  beforeEach(() => {
    jest.useFakeTimers({ now: start });
    sent = [];
    scheduler = new ResponseScheduler({
      send: (answers, additionals) =>
        sent.push({ at: Date.now() - start, answers: answers.map((x) => x.type), additionals: additionals.map((x) => x.type) }),
    });
  });
  afterEach(() => {
    scheduler.close();
    jest.useRealTimers();
  });

  it('sends after the delay asked for, merging answers that come due together', () => {
    scheduler.schedule([ptr], [srv, a], 50);
    scheduler.schedule([srv], [a], 0);
    jest.advanceTimersByTime(49);
    expect(sent).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(sent).toEqual([{ at: 50, answers: ['PTR', 'SRV'], additionals: ['A'] }]);
  });

  it('multicasts a record at most once per second (RFC 6762 6): a repeat waits for the second to pass', () => {
    scheduler.schedule([srv], [], 0);
    jest.advanceTimersByTime(0);
    scheduler.schedule([srv], [], 0);
    jest.advanceTimersByTime(999);
    expect(sent.map((s) => s.at)).toEqual([0]);
    jest.advanceTimersByTime(1);
    expect(sent.map((s) => s.at)).toEqual([0, 1000]);
  });

  it('drops an answer that an announcement carried after the question came in', () => {
    scheduler.schedule([ptr], [], 100);
    jest.advanceTimersByTime(50);
    scheduler.noteSent([ptr]);
    jest.advanceTimersByTime(1000);
    expect(sent).toEqual([]);
  });

  it('sends nothing after close', () => {
    scheduler.schedule([ptr], [], 20);
    scheduler.close();
    jest.advanceTimersByTime(2000);
    expect(sent).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);
  });
});
