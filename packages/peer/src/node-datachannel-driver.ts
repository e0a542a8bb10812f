// The only file that imports node-datachannel. Three of its behaviours shape this code:
// - Each `onX` setter keeps a single callback, and a DataChannel's native close is only
//   released to JS (and the event loop let go) once `onClosed` was registered. So every callback
//   is registered exactly once, at creation, and forwarded.
// - `setLocalDescription()` without a channel aborts the process from a native thread, so it is
//   never called: with auto-negotiation, creating the control channel produces the offer and
//   setting a remote offer produces the answer.
// - `sendMessage*()` returns false when the message was queued rather than sent at once; that is
//   flow control, not failure.
import nodeDataChannel, { type DataChannel, type PeerConnection, type RtcConfig } from 'node-datachannel';
import type { IceCandidate } from '@fileshare/protocol';
import type {
  RtcChannel,
  RtcChannelHandlers,
  RtcConnection,
  RtcConnectionHandlers,
  RtcConnectionOptions,
  RtcDriver,
} from './driver.js';
import { stripCandidates } from './sdp.js';

export function createNodeDataChannelDriver(): RtcDriver {
  return {
    createConnection: (options, handlers) => new NdcConnection(options, handlers),
  };
}

class NdcConnection implements RtcConnection {
  private readonly pc: PeerConnection;
  private closed = false;

  constructor(options: RtcConnectionOptions, handlers: RtcConnectionHandlers) {
    // LAN only: no STUN/TURN servers, host candidates only.
    const config: RtcConfig = { iceServers: [] };
    if (options.mtu !== undefined) config.mtu = options.mtu;
    if (options.maxMessageSize !== undefined) config.maxMessageSize = options.maxMessageSize;
    if (options.bindAddress !== undefined) config.bindAddress = options.bindAddress;
    if (options.enableIceUdpMux !== undefined) config.enableIceUdpMux = options.enableIceUdpMux;
    if (options.portRangeBegin !== undefined) config.portRangeBegin = options.portRangeBegin;
    if (options.portRangeEnd !== undefined) config.portRangeEnd = options.portRangeEnd;
    this.pc = new nodeDataChannel.PeerConnection(options.name, config);
    this.pc.onStateChange((state) => handlers.stateChange('connection', state));
    this.pc.onIceStateChange((state) => handlers.stateChange('ice', state));
    this.pc.onLocalCandidate((candidate, mid) =>
      handlers.localCandidate({ candidate: candidate.replace(/^a=/, ''), sdpMid: mid }),
    );
    this.pc.onGatheringStateChange((state) => {
      if (state === 'complete') handlers.gatheringComplete();
    });
    this.pc.onDataChannel((dc) => handlers.dataChannel(new NdcChannel(dc)));
  }

  createOffer(controlLabel: string): { sdp: string; control: RtcChannel } {
    const control = new NdcChannel(this.pc.createDataChannel(controlLabel));
    const description = this.pc.localDescription();
    if (description?.type !== 'offer') {
      control.close();
      throw new Error('no local offer after creating the control channel');
    }
    return { sdp: stripCandidates(description.sdp), control };
  }

  acceptOffer(sdp: string): string {
    this.pc.setRemoteDescription(sdp, 'offer');
    const description = this.pc.localDescription();
    if (description?.type !== 'answer') throw new Error('no local answer after setting the remote offer');
    return stripCandidates(description.sdp);
  }

  acceptAnswer(sdp: string): void {
    this.pc.setRemoteDescription(sdp, 'answer');
  }

  addRemoteCandidate(candidate: IceCandidate): void {
    this.pc.addRemoteCandidate(candidate.candidate, candidate.sdpMid);
  }

  createChannel(label: string): RtcChannel {
    return new NdcChannel(this.pc.createDataChannel(label));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pc.close();
  }
}

type PendingEvent =
  | { type: 'open' | 'closed' | 'bufferedAmountLow' }
  | { type: 'error'; message: string }
  | { type: 'message'; data: string | Buffer };

class NdcChannel implements RtcChannel {
  readonly label: string;
  private handlers: RtcChannelHandlers | undefined;
  private pending: PendingEvent[] = [];
  private closed = false;

  constructor(private readonly dc: DataChannel) {
    this.label = dc.getLabel();
    dc.onOpen(() => this.dispatch({ type: 'open' }));
    dc.onClosed(() => {
      this.closed = true;
      this.dispatch({ type: 'closed' });
    });
    dc.onError((message) => this.dispatch({ type: 'error', message }));
    dc.onBufferedAmountLow(() => this.dispatch({ type: 'bufferedAmountLow' }));
    dc.onMessage((data) =>
      this.dispatch({ type: 'message', data: typeof data === 'string' || Buffer.isBuffer(data) ? data : Buffer.from(data) }),
    );
  }

  setHandlers(handlers: RtcChannelHandlers): void {
    this.handlers = handlers;
    const pending = this.pending;
    this.pending = [];
    for (const event of pending) this.dispatch(event);
  }

  private dispatch(event: PendingEvent): void {
    const handlers = this.handlers;
    if (!handlers) {
      this.pending.push(event);
      return;
    }
    switch (event.type) {
      case 'open':
        handlers.open();
        break;
      case 'closed':
        handlers.closed();
        break;
      case 'error':
        handlers.error(event.message);
        break;
      case 'bufferedAmountLow':
        handlers.bufferedAmountLow();
        break;
      case 'message':
        handlers.message(event.data);
        break;
    }
  }

  isOpen(): boolean {
    return !this.closed && this.dc.isOpen();
  }

  bufferedAmount(): number {
    return this.closed ? 0 : this.dc.bufferedAmount();
  }

  setBufferedAmountLowThreshold(bytes: number): void {
    if (!this.closed) this.dc.setBufferedAmountLowThreshold(bytes);
  }

  sendText(text: string): boolean {
    return this.dc.sendMessage(text);
  }

  sendBinary(data: Uint8Array): boolean {
    // The binding checks for a Buffer; a view over the same memory avoids a copy.
    return this.dc.sendMessageBinary(Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  close(): void {
    this.dc.close();
  }
}
