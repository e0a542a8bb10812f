// A scriptable stand-in for node-datachannel, for the pure state-machine tests. Like the real
// binding it reports asynchronously (on a later microtask) and reports `closed` for the
// connection and every channel after close().
import { randomBytes } from 'node:crypto';
import type { IceCandidate } from '@fileshare/protocol';
import type {
  RtcChannel,
  RtcChannelHandlers,
  RtcConnection,
  RtcConnectionHandlers,
  RtcConnectionOptions,
  RtcDriver,
} from '../../src/index.js';

/**
 * An SDP shaped like libdatachannel's: a session-level DTLS fingerprint and one ICE ufrag, both
 * random per call (every connection has its own), so the proof of identity is exercised for real.
 */
export function fakeSdp(kind: 'offer' | 'answer', parts: { fingerprint?: string; ufrag?: string } = {}): string {
  const fingerprint = parts.fingerprint ?? randomFingerprint();
  const ufrag = parts.ufrag ?? randomBytes(6).toString('base64url').replace(/[-_]/g, 'x');
  return [
    'v=0',
    `o=rtc ${randomBytes(4).readUInt32BE(0)} 0 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    `a=fingerprint:sha-256 ${fingerprint}`,
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    'a=mid:0',
    'a=sctp-port:5000',
    `a=setup:${kind === 'offer' ? 'actpass' : 'active'}`,
    `a=ice-ufrag:${ufrag}`,
    `a=ice-pwd:${randomBytes(16).toString('base64url').replace(/[-_]/g, 'y')}`,
    '',
  ].join('\r\n');
}

export function randomFingerprint(): string {
  return [...randomBytes(32)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
}

const later = (fn: () => void): void => {
  void Promise.resolve().then(fn);
};

/** Lets queued fake callbacks (microtasks) run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

export class FakeDriver implements RtcDriver {
  readonly connections: FakeConnection[] = [];
  failCreate = false;

  createConnection(options: RtcConnectionOptions, handlers: RtcConnectionHandlers): RtcConnection {
    if (this.failCreate) throw new Error('native failure');
    const connection = new FakeConnection(options, handlers);
    this.connections.push(connection);
    return connection;
  }

  get last(): FakeConnection {
    const c = this.connections.at(-1);
    if (!c) throw new Error('no connection created');
    return c;
  }

  get openConnections(): FakeConnection[] {
    return this.connections.filter((c) => !c.closed);
  }
}

export class FakeConnection implements RtcConnection {
  closed = false;
  localDescription: string | undefined;
  remoteDescription: string | undefined;
  readonly remoteCandidates: IceCandidate[] = [];
  readonly channels: FakeChannel[] = [];
  control: FakeChannel | undefined;

  constructor(
    readonly options: RtcConnectionOptions,
    readonly handlers: RtcConnectionHandlers,
  ) {}

  createOffer(controlLabel: string): { sdp: string; control: RtcChannel } {
    this.assertOpen();
    this.control = this.createChannel(controlLabel) as FakeChannel;
    this.localDescription = fakeSdp('offer');
    return { sdp: this.localDescription, control: this.control };
  }

  acceptOffer(sdp: string): string {
    this.assertOpen();
    if (sdp.includes('BROKEN')) throw new Error('Remote description has no ICE user fragment');
    this.remoteDescription = sdp;
    this.localDescription = fakeSdp('answer');
    return this.localDescription;
  }

  acceptAnswer(sdp: string): void {
    this.assertOpen();
    if (sdp.includes('BROKEN')) throw new Error('Remote description has no ICE user fragment');
    this.remoteDescription = sdp;
  }

  addRemoteCandidate(candidate: IceCandidate): void {
    this.assertOpen();
    if (!this.remoteDescription) throw new Error('Got a remote candidate without remote description');
    if (candidate.candidate.includes('garbage')) throw new Error('Invalid candidate format');
    this.remoteCandidates.push(candidate);
  }

  createChannel(label: string): RtcChannel {
    this.assertOpen();
    const channel = new FakeChannel(label);
    this.channels.push(channel);
    return channel;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const channel of this.channels) channel.close();
    later(() => this.handlers.stateChange('connection', 'closed'));
  }

  // ---- scripted native events ----
  gather(...candidates: string[]): void {
    for (const candidate of candidates) this.handlers.localCandidate({ candidate, sdpMid: '0' });
  }

  gatheringComplete(): void {
    this.handlers.gatheringComplete();
  }

  state(kind: 'connection' | 'ice', state: string): void {
    this.handlers.stateChange(kind, state);
  }

  /** The remote side opened a channel (already open, as libdatachannel delivers them). */
  remoteChannel(label: string): FakeChannel {
    const channel = new FakeChannel(label);
    channel.opened = true;
    this.channels.push(channel);
    this.handlers.dataChannel(channel);
    return channel;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('called on destroyed peer connection');
  }
}

export class FakeChannel implements RtcChannel {
  handlers: RtcChannelHandlers | undefined;
  opened = false;
  closed = false;
  buffered = 0;
  threshold = 0;
  readonly sent: (string | Uint8Array)[] = [];
  /** Makes the next send throw this message. */
  failSend: string | undefined;

  constructor(readonly label: string) {}

  setHandlers(handlers: RtcChannelHandlers): void {
    this.handlers = handlers;
  }

  isOpen(): boolean {
    return this.opened && !this.closed;
  }

  bufferedAmount(): number {
    return this.buffered;
  }

  setBufferedAmountLowThreshold(bytes: number): void {
    this.threshold = bytes;
  }

  sendText(text: string): boolean {
    return this.record(text);
  }

  sendBinary(data: Uint8Array): boolean {
    return this.record(data);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    later(() => this.handlers?.closed());
  }

  // ---- scripted native events ----
  open(): void {
    this.opened = true;
    this.handlers?.open();
  }

  receive(data: string | Buffer): void {
    this.handlers?.message(data);
  }

  drain(): void {
    this.buffered = 0;
    this.handlers?.bufferedAmountLow();
  }

  private record(data: string | Uint8Array): boolean {
    if (this.closed) throw new Error('sendMessage() called on destroyed channel');
    if (this.failSend) throw new Error(this.failSend);
    this.sent.push(data);
    this.buffered += typeof data === 'string' ? data.length : data.byteLength;
    return false; // "queued", like libdatachannel under load
  }
}
