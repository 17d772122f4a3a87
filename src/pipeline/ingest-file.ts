import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { eq } from 'drizzle-orm';
import { cursors } from '../../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import type { Rejected } from './normalize.ts';

export interface FileIngestSummary {
  file: string;
  lines: number;
  skipped: number;
  stored: number;
  duplicates: number;
  updated: number;
  rejected: number;
  errors: Rejected[];
}

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Ingest an NDJSON file through the pipeline in batches. Each batch commits with a cursor
 * `file:<sha256>` = lines done, so a killed run resumes after the last committed batch, and
 * re-ingesting a finished file (or a changed one) stores nothing twice: exact dedup sees to that.
 * Rejections report the 1-based line number as `index`.
 */
export async function ingestFile(
  deps: Deps,
  file: string,
  opts: {
    restart?: boolean;
    batchSize?: number;
    onProgress?: (s: FileIngestSummary) => void;
    /** Stops between batches (each committed batch stays, the next run resumes after it). */
    signal?: AbortSignal;
  } = {},
): Promise<FileIngestSummary> {
  const sha = await sha256File(file);
  const key = `file:${sha}`;
  const cur = opts.restart
    ? []
    : await deps.db.select({ value: cursors.value }).from(cursors).where(eq(cursors.key, key)).limit(1);
  const resumeAt = (cur[0]?.value as { line?: number } | undefined)?.line ?? 0;
  const size = opts.batchSize ?? deps.config.config.pipeline.batchSize;
  const s: FileIngestSummary = {
    file: path.basename(file),
    lines: 0,
    skipped: resumeAt,
    stored: 0,
    duplicates: 0,
    updated: 0,
    rejected: 0,
    errors: [],
  };

  let items: unknown[] = [];
  let lineNos: number[] = [];
  const flush = async (endLine: number) => {
    if (items.length === 0 && endLine === resumeAt) return;
    opts.signal?.throwIfAborted();
    const r = await deps.pipeline.processBatch(items, {
      origin: `file:${s.file}`,
      cursor: { key, value: { line: endLine, file: s.file } },
    });
    s.stored += r.stored;
    s.duplicates += r.duplicates;
    s.updated += r.updated;
    s.rejected += r.rejected.length;
    for (const e of r.rejected)
      if (s.errors.length < 1000) s.errors.push({ ...e, index: lineNos[e.index] ?? e.index });
    items = [];
    lineNos = [];
    opts.onProgress?.(s);
  };

  const rl = createInterface({
    input: createReadStream(file, { encoding: 'utf8' }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let lineNo = 0;
  for await (const line of rl) {
    lineNo++;
    s.lines = lineNo;
    if (lineNo <= resumeAt) continue;
    if (line.trim() === '') continue;
    try {
      items.push(JSON.parse(line));
      lineNos.push(lineNo);
    } catch (e) {
      s.rejected++;
      if (s.errors.length < 1000)
        s.errors.push({ index: lineNo, field: '(line)', message: `not valid JSON: ${(e as Error).message}` });
    }
    if (items.length >= size) await flush(lineNo);
  }
  if (lineNo > resumeAt) await flush(lineNo);
  return s;
}
