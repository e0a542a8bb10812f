import type { FileshareNode, NodeEvent } from '@fileshare/core';
import { useEffect } from 'react';
import type { Input } from '../state/types.js';

/** Stable default: a fresh `[]` per render would re-run the effect on every render. */
const NO_EVENTS: readonly NodeEvent[] = [];

/**
 * Feeds every node event into the reducer for as long as the component is mounted. The peer
 * snapshot is taken after subscribing, so no peer that appears in between is missed.
 */
export function useNodeEvents(node: FileshareNode, dispatch: (input: Input) => void, startupEvents: readonly NodeEvent[] = NO_EVENTS): void {
  useEffect(() => {
    const unsubscribe = node.subscribe(dispatch);
    dispatch({ type: 'sync-peers', peers: node.peers() });
    for (const event of startupEvents) if (event.event === 'warning') dispatch(event);
    return unsubscribe;
  }, [node, dispatch, startupEvents]);
}
