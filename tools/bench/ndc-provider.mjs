// A DataChannelProvider (packages/protocol's contract) over node-datachannel peer connections,
// for the loopback benchmarks that pair two connections in one process without the peer layer.
/** Minimal DataChannelLike over a node-datachannel DataChannel (one native callback per event, fanned out). */
export function wrap(dc, keep) {
  const sets = { message: new Set(), low: new Set(), close: new Set(), error: new Set(), open: new Set() };
  const early = [];
  let closed = false;
  let threshold = 0;
  keep.add(dc);
  dc.onOpen(() => sets.open.forEach((l) => l()));
  dc.onMessage((m) => (sets.message.size === 0 ? early.push(m) : sets.message.forEach((l) => l(m))));
  dc.onBufferedAmountLow(() => sets.low.forEach((l) => l()));
  dc.onError((e) => sets.error.forEach((l) => l(new Error(e))));
  const markClosed = () => {
    if (closed) return;
    closed = true;
    keep.delete(dc);
    sets.close.forEach((l) => l());
  };
  dc.onClosed(markClosed);
  const add = (set, l) => (set.add(l), () => set.delete(l));
  return {
    label: dc.getLabel(),
    get isOpen() {
      return !closed && dc.isOpen();
    },
    get bufferedAmount() {
      return !closed && dc.isOpen() ? dc.bufferedAmount() : 0;
    },
    get bufferedAmountLowThreshold() {
      return threshold;
    },
    set bufferedAmountLowThreshold(v) {
      threshold = v;
      dc.setBufferedAmountLowThreshold(v);
    },
    send: (d) => (typeof d === 'string' ? dc.sendMessage(d) : dc.sendMessageBinary(d)),
    onMessage(l) {
      const off = add(sets.message, l);
      early.splice(0).forEach((m) => l(m));
      return off;
    },
    onBufferedAmountLow: (l) => add(sets.low, l),
    onClose: (l) => add(sets.close, l),
    onError: (l) => add(sets.error, l),
    onOpen: (l) => add(sets.open, l),
    close() {
      if (closed) return;
      try {
        dc.close();
      } catch {}
      markClosed();
    },
  };
}

/** Channels of one PeerConnection as a DataChannelProvider; `keep` holds every open channel (GC). */
export function provider(pc, keep) {
  const remote = new Set();
  pc.onDataChannel((dc) => {
    const ch = wrap(dc, keep);
    remote.forEach((l) => l(ch));
  });
  return {
    openChannel(label) {
      const dc = pc.createDataChannel(label);
      const ch = wrap(dc, keep);
      return dc.isOpen() ? Promise.resolve(ch) : new Promise((resolve) => ch.onOpen(() => resolve(ch)));
    },
    onChannel: (l) => (remote.add(l), () => remote.delete(l)),
  };
}
