import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type CollectPage, defineCollector, runCollector } from '../../collectors/types.ts';
import { SourceFault } from '../../src/errors.ts';
import type { MentionInput } from '../../src/mention.ts';
import { ctxFor, testHttp } from '../helpers/collect.ts';

const at = (iso: string | number): MentionInput => ({
  platform: 'fake',
  externalId: String(iso),
  author: { handle: 'a' },
  text: 'acme',
  publishedAt: iso,
});

/** A scripted collector: yields the pages it is given, counting how many it was asked for. */
function scripted(pages: (CollectPage<number> | Error)[]) {
  const asked = { n: 0 };
  const def = defineCollector({
    id: 'scripted',
    description: 'scripted',
    options: z.object({}),
    defaultSchedule: '* * * * *',
    async *collect() {
      for (const p of pages) {
        asked.n++;
        if (p instanceof Error) throw p;
        yield p;
      }
    },
  });
  return { def, asked };
}

/** Consume as src/pipeline/run-source.ts does: stop after maxPages pages. */
async function consume(def: ReturnType<typeof scripted>['def'], maxPages: number, backfillSince?: Date) {
  const ctx = ctxFor<number>(testHttp(), null, {
    maxPages,
    ...(backfillSince ? { backfillSince } : {}),
  });
  const seen: (CollectPage<number> & { skipped: number })[] = [];
  try {
    for await (const p of runCollector(def, ctx, {})) {
      seen.push(p);
      if (seen.length >= maxPages) break;
    }
    return { status: 'ok' as const, seen };
  } catch (error) {
    return { status: 'fault' as const, seen, error };
  }
}

describe('runCollector: what the core holds for every collector', () => {
  it('a fault page that is the last page allowed still ends the run as a fault, after it is handed over', async () => {
    const fault = new SourceFault('upstream', 'search answered 500');
    const { def } = scripted([
      { mentions: [at('2026-11-25T07:00:00Z')], cursor: 1 },
      { mentions: [], cursor: 2, fault },
    ]);
    const r = await consume(def, 2);
    expect(r.status).toBe('fault');
    expect(r.error).toBe(fault);
    // The fault page's cursor (units spent) was handed over to be committed.
    expect(r.seen.map((p) => p.cursor)).toEqual([1, 2]);
    // With room for more pages, the same.
    expect((await consume(def, 10)).error).toBe(fault);
  });

  it('never asks a collector for a page past maxPages (asking would fetch it)', async () => {
    const { def, asked } = scripted([
      { mentions: [], cursor: 1 },
      { mentions: [], cursor: 2 },
      new SourceFault('upstream', 'never reached'),
    ]);
    const r = await consume(def, 2);
    expect(r.status).toBe('ok');
    expect(asked.n).toBe(2);
    // A consumer that does not stop is stopped at maxPages too.
    const ctx = ctxFor<number>(testHttp(), null, { maxPages: 1 });
    const pages = [];
    for await (const p of runCollector(def, ctx, {})) pages.push(p);
    expect(pages).toHaveLength(1);
  });

  it('drops mentions published before backfillSince, whatever the cursor; keeps undated ones for the pipeline to judge', async () => {
    const { def } = scripted([
      {
        mentions: [
          at('2026-11-20T00:00:00Z'),
          at('2026-11-10T00:00:00Z'),
          at(Date.parse('2026-11-21T00:00:00Z') / 1000), // Unix seconds, read as the schema does
          at(Date.parse('2026-11-01T00:00:00Z') / 1000),
          at('not a date'),
        ],
        cursor: 1,
      },
    ]);
    const r = await consume(def, 5, new Date('2026-11-18T00:00:00Z'));
    expect(r.seen[0]!.mentions.map((m) => m.externalId)).toEqual([
      '2026-11-20T00:00:00Z',
      String(Date.parse('2026-11-21T00:00:00Z') / 1000),
      'not a date',
    ]);
    expect(r.seen[0]!.skipped).toBe(2);
  });
});
