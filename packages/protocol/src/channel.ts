/**
 * The contract between the peer layer (which owns WebRTC connections) and the transfer layer
 * (which moves bytes). Peer implements it over node-datachannel; transfer only sees this, so
 * neither imports the other and transfer logic can be tested over any channel pair.
 */
export interface DataChannelLike {
  readonly label: string;
  /** True from open until closed. */
  readonly isOpen: boolean;
  /** Bytes queued in the channel and not yet handed to the network. */
  readonly bufferedAmount: number;
  /** `onBufferedAmountLow` fires when `bufferedAmount` drops to or below this value. */
  bufferedAmountLowThreshold: number;
  /** Sends one message (a string is sent as text, bytes as binary). Throws when not open. */
  send(data: string | Uint8Array): void;
  /** Each listener setter returns a function that removes that listener. */
  onMessage(listener: (data: string | Buffer) => void): () => void;
  /** Fires only when the buffer drops through the threshold: check `bufferedAmount` before waiting. */
  onBufferedAmountLow(listener: () => void): () => void;
  onClose(listener: () => void): () => void;
  onError(listener: (error: Error) => void): () => void;
  /** Idempotent. */
  close(): void;
}

/** A connected peer as the transfer layer sees it: a source of data channels. */
export interface DataChannelProvider {
  /** Opens a new channel and resolves once it is open; rejects if the connection goes away. */
  openChannel(label: string, options?: { signal?: AbortSignal }): Promise<DataChannelLike>;
  /** Channels the remote side opened (never the peer layer's own control channel). */
  onChannel(listener: (channel: DataChannelLike) => void): () => void;
  /**
   * The largest message, in bytes, the remote side accepts on this connection: its SDP
   * `a=max-message-size` (RFC 8841), 65 536 when it advertised none. Undefined when unknown
   * (a provider without a remote description, e.g. in tests); senders then assume 65 536.
   */
  readonly maxMessageSize?: number;
}
