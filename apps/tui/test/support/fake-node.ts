import type { FileshareNode, NodeEvent, PeerInfo, TransferResult, TrustedPeer } from '@fileshare/core';

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

export interface SendCall {
  peerId: string;
  paths: string[];
  result: Deferred<TransferResult>;
  onStarted?: ((transferId: string) => void) | undefined;
}

/**
 * A node that records what the UI asks of it and emits whatever events a test feeds it: the UI
 * is a pure function of events, so this is all it needs to be driven through every state.
 */
export class FakeNode implements FileshareNode {
  readonly deviceId: string;
  readonly name: string;
  readonly port = 41234;
  readonly addresses: readonly string[] = ['192.168.1.5'];
  readonly receiveDir = '/home/user/Downloads/fileshare';
  readonly peerList: PeerInfo[] = [];
  readonly responses: { transferId: string; decision: 'accept' | 'decline' }[] = [];
  /** `trustPeerForSession` calls. */
  readonly trusted: string[] = [];
  /** `trustPeer` calls (saved trust); `trustFailure` makes them reject. */
  readonly persisted: string[] = [];
  trustFailure: Error | undefined;
  readonly untrusted: string[] = [];
  readonly blocked: string[] = [];
  /** What `verificationCode` answers, by peer id. */
  readonly codes = new Map<string, string>();
  readonly cancelled: string[] = [];
  readonly sends: SendCall[] = [];
  /** `sendText` calls; settle `result` to end them. */
  readonly textSends: { peerId: string; text: string; result: Deferred<TransferResult> }[] = [];
  readonly waits: { idOrName: string; result: Deferred<PeerInfo> }[] = [];
  closeCalls = 0;
  private readonly listeners = new Set<(event: NodeEvent) => void>();

  constructor(init: { deviceId?: string; name?: string; peers?: PeerInfo[] } = {}) {
    this.deviceId = init.deviceId ?? '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
    this.name = init.name ?? 'laptop';
    this.peerList.push(...(init.peers ?? []));
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  emit(event: NodeEvent): void {
    for (const l of [...this.listeners]) l(event);
  }

  peers(): PeerInfo[] {
    return [...this.peerList];
  }

  findPeer(idOrName: string): PeerInfo | undefined {
    return this.peerList.find((p) => p.id.startsWith(idOrName) || p.name.toLowerCase() === idOrName.toLowerCase());
  }

  waitForPeer(idOrName: string): Promise<PeerInfo> {
    const result = deferred<PeerInfo>();
    this.waits.push({ idOrName, result });
    return result.promise;
  }

  addPeer(): Promise<void> {
    return Promise.resolve();
  }

  sendFiles(peerId: string, paths: string[], options?: { signal?: AbortSignal; onStarted?: (transferId: string) => void }): Promise<TransferResult> {
    const result = deferred<TransferResult>();
    this.sends.push({ peerId, paths, result, onStarted: options?.onStarted });
    return result.promise;
  }

  sendText(peerId: string, text: string): Promise<TransferResult> {
    const result = deferred<TransferResult>();
    this.textSends.push({ peerId, text, result });
    return result.promise;
  }

  respondToOffer(transferId: string, decision: 'accept' | 'decline'): void {
    this.responses.push({ transferId, decision });
  }

  trustPeerForSession(peerId: string): void {
    this.trusted.push(peerId);
  }

  trustPeer(peerId: string): Promise<void> {
    if (this.trustFailure) return Promise.reject(this.trustFailure);
    this.persisted.push(peerId);
    this.setTrusted(peerId, true);
    return Promise.resolve();
  }

  untrustPeer(peerId: string): Promise<void> {
    this.untrusted.push(peerId);
    this.setTrusted(peerId, false);
    return Promise.resolve();
  }

  trustedPeers(): TrustedPeer[] {
    return this.peerList.filter((p) => p.trusted).map((p) => ({ id: p.id, name: p.name, addedAt: '2026-01-01T00:00:00.000Z' }));
  }

  blockPeer(peerId: string): void {
    this.blocked.push(peerId);
  }

  verificationCode(peerId: string): string | undefined {
    return this.codes.get(peerId);
  }

  private setTrusted(peerId: string, trusted: boolean): void {
    const index = this.peerList.findIndex((p) => p.id === peerId);
    if (index >= 0) this.peerList[index] = { ...this.peerList[index]!, trusted };
  }

  cancelTransfer(transferId: string): void {
    this.cancelled.push(transferId);
  }

  subscribe(listener: (event: NodeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): Promise<void> {
    this.closeCalls++;
    return Promise.resolve();
  }
}

export function peer(id: string, name: string, state: PeerInfo['state'] = 'connected', address = '192.168.1.7'): PeerInfo {
  return { id: id.padEnd(32, '0'), name, address, port: 41000, state, manual: false, verified: state === 'connected', trusted: false };
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
