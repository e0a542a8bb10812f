import type { FileshareNode, NodeEvent } from '@fileshare/core';
import { useEffect } from 'react';
import type { Input } from '../state/types.js';

/** Stable default: a fresh `[]` per render would re-run the effect on every render. */
const NO_EVENTS: readonly NodeEvent[] = [];

/**
 * Events after which a peer's trust marks may have changed. The look-alike mark is the node's
 * judgement (it compares with every name in the trust file, also of devices not around), and no
 * event carries it, so the marks are read back from `node.peers()`.
 */
const TRUST_MAY_CHANGE = new Set<NodeEvent['event']>(['peer-discovered', 'peer-updated', 'peer-verified']);

/**
 * Feeds every node event into the reducer for as long as the component is mounted. The peer
 * snapshot is taken after subscribing, so no peer that appears in between is missed.
 */
export function useNodeEvents(node: FileshareNode, dispatch: (input: Input) => void, startupEvents: readonly NodeEvent[] = NO_EVENTS): void {
  useEffect(() => {
    const unsubscribe = node.subscribe((event) => {
      dispatch(event);
      if (TRUST_MAY_CHANGE.has(event.event)) dispatch({ type: 'trust-sync', peers: node.peers() });
    });
    dispatch({ type: 'sync-peers', peers: node.peers() });
    for (const event of startupEvents) if (event.event === 'warning') dispatch(event);
    return unsubscribe;
  }, [node, dispatch, startupEvents]);
}
