import type { Logger } from '@fileshare/protocol';
import { describeError } from './errors.js';

/**
 * A typed event emitter whose `emit` never throws: events are emitted from native callbacks,
 * where a listener's exception would become an uncaught exception and end the process.
 */
export class SafeEmitter<Events extends { [K in keyof Events]: unknown }> {
  private readonly listeners = new Map<keyof Events, Set<(payload: never) => void>>();

  constructor(private readonly logger: Logger) {}

  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
  }

  off<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): void {
    this.listeners.get(event)?.delete(listener);
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (payload: Events[K]) => void)(payload);
      } catch (error) {
        this.logger.error('a peer event listener threw', { event: String(event), error: describeError(error) });
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
