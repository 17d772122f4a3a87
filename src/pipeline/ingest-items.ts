import type { Deps } from '../deps.ts';
import type { BatchOptions } from './ingest.ts';
import type { Rejected } from './normalize.ts';

export interface IngestSummary {
  received: number;
  stored: number;
  duplicates: number;
  updated: number;
  rejected: number;
  errors: Rejected[];
  batches: number;
}

/**
 * Parse a JSON array or NDJSON body into items. A line that is not JSON becomes a
 * rejection (with its 0-based index), never a failure of the whole body.
 */
export function parseItems(
  body: string,
  hint?: 'json' | 'ndjson',
): { items: unknown[]; errors: Rejected[]; indexMap: number[] } {
  const trimmed = body.trimStart();
  const errors: Rejected[] = [];
  if (hint === 'json' || (hint === undefined && trimmed.startsWith('['))) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (e) {
      errors.push({ index: -1, field: '(body)', message: `not valid JSON: ${(e as Error).message}` });
      return { items: [], errors, indexMap: [] };
    }
    if (!Array.isArray(parsed)) {
      errors.push({ index: -1, field: '(body)', message: 'expected a JSON array of mentions (or NDJSON)' });
      return { items: [], errors, indexMap: [] };
    }
    return { items: parsed, errors, indexMap: parsed.map((_, i) => i) };
  }
  const items: unknown[] = [];
  const indexMap: number[] = [];
  let index = 0;
  for (const line of body.split('\n')) {
    if (line.trim() === '') continue;
    try {
      items.push(JSON.parse(line));
      indexMap.push(index);
    } catch (e) {
      errors.push({ index, field: '(line)', message: `not valid JSON: ${(e as Error).message}` });
    }
    index++;
  }
  return { items, errors, indexMap };
}

/** Push items through the pipeline in batches; rejection indexes refer to the caller's items. */
export async function ingestItems(
  deps: Deps,
  items: readonly unknown[],
  opts: {
    origin: string;
    indexMap?: number[];
    batchSize?: number;
    /** Writes that commit with each batch (the API's audit row). */
    inTransaction?: BatchOptions['inTransaction'];
  },
): Promise<IngestSummary> {
  const size = opts.batchSize ?? deps.config.config.pipeline.batchSize;
  const s: IngestSummary = {
    received: items.length,
    stored: 0,
    duplicates: 0,
    updated: 0,
    rejected: 0,
    errors: [],
    batches: 0,
  };
  for (let off = 0; off < items.length; off += size) {
    const r = await deps.pipeline.processBatch(items.slice(off, off + size), {
      origin: opts.origin,
      inTransaction: opts.inTransaction,
    });
    s.batches++;
    s.stored += r.stored;
    s.duplicates += r.duplicates;
    s.updated += r.updated;
    s.rejected += r.rejected.length;
    for (const e of r.rejected) {
      const i = off + e.index;
      s.errors.push({ ...e, index: opts.indexMap?.[i] ?? i });
    }
  }
  return s;
}
