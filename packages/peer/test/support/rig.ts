// A peer manager on the fake driver, recording what it sends, emits and logs.
import { afterEach, beforeEach, expect, jest } from '@jest/globals';
import type { Logger, SignalMessage } from '@fileshare/protocol';
import {
  type PeerConnectedEvent,
  type PeerDisconnectedEvent,
  type PeerManager,
  type PeerStateEvent,
  type PeerTiming,
  type SignalIgnoredEvent,
  createPeerManager,
} from '../../src/index.js';
import { FakeDriver } from '../unit/fake-driver.js';
import type { TestKey } from './identities.js';

export interface Rig {
  key: TestKey;
  manager: PeerManager;
  driver: FakeDriver;
  sent: { to: string; message: SignalMessage }[];
  states: PeerStateEvent[];
  connected: PeerConnectedEvent[];
  disconnected: PeerDisconnectedEvent[];
  ignored: SignalIgnoredEvent[];
  warnings: { message: string; fields?: Record<string, unknown> }[];
  /** The last offer sent to `peerId`. */
  offerTo(peerId: string): string;
  offersSent(): number;
}

export function createRig(key: TestKey, timing?: Partial<PeerTiming>): Rig {
  const driver = new FakeDriver();
  const sent: Rig['sent'] = [];
  const warnings: Rig['warnings'] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (message, fields) => warnings.push({ message, fields }),
    error: (message, fields) => warnings.push({ message, fields }),
  };
  const manager = createPeerManager({
    localId: key.id,
    identity: key.identity,
    driver,
    logger,
    timing,
    sendSignal: (to, message) => {
      sent.push({ to, message });
      return Promise.resolve();
    },
  });
  const rig: Rig = {
    key,
    manager,
    driver,
    sent,
    states: [],
    connected: [],
    disconnected: [],
    ignored: [],
    warnings,
    offerTo: (peerId) => {
      const offer = sent.filter((s) => s.to === peerId && s.message.kind === 'offer').at(-1);
      if (!offer) throw new Error(`no offer sent to ${peerId}`);
      return offer.message.data;
    },
    offersSent: () => sent.filter((s) => s.message.kind === 'offer').length,
  };
  manager.on('state', (e) => rig.states.push(e));
  manager.on('connected', (e) => rig.connected.push(e));
  manager.on('disconnected', (e) => rig.disconnected.push(e));
  manager.on('signal-ignored', (e) => rig.ignored.push(e));
  return rig;
}

/**
 * For a test file: fake timers around each test, and every rig made through the returned
 * function closed after it, with no timer left behind.
 */
export function useFakeTimerRigs(): (key: TestKey, timing?: Partial<PeerTiming>) => Rig {
  let rigs: Rig[] = [];
  beforeEach(() => {
    jest.useFakeTimers();
    rigs = [];
  });
  afterEach(async () => {
    for (const r of rigs) await r.manager.close();
    expect(jest.getTimerCount()).toBe(0);
    jest.useRealTimers();
  });
  return (key, timing) => {
    const r = createRig(key, timing);
    rigs.push(r);
    return r;
  };
}
