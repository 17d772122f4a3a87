import { EventEmitter } from 'node:events';
import type { CommittedBatch } from './pipeline/ingest.ts';

/** In-process events: the SSE stream, alert detection and profiles subscribe here. */
export interface EventMap {
  mentions: [CommittedBatch];
  'source-fault': [
    {
      sourceId: string;
      sourceName: string;
      kind: string;
      message: string;
      consecutiveFailures: number;
      at: Date;
    },
  ];
  'source-ok': [{ sourceId: string; sourceName: string; at: Date }];
  incident: [{ id: string; brandId: string; status: string; level: number; change: string; at: Date }];
}

export class EventBus {
  private ee = new EventEmitter({ captureRejections: false });
  constructor() {
    this.ee.setMaxListeners(1000);
  }
  on<K extends keyof EventMap>(name: K, fn: (...args: EventMap[K]) => void): () => void {
    this.ee.on(name, fn as never);
    return () => this.ee.off(name, fn as never);
  }
  emit<K extends keyof EventMap>(name: K, ...args: EventMap[K]): void {
    // A listener's failure must never reach the emitter (the pipeline has already committed).
    for (const fn of this.ee.listeners(name)) {
      try {
        (fn as (...a: EventMap[K]) => void)(...args);
      } catch {
        /* listeners log their own errors */
      }
    }
  }
}
