import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, ingestBatches } from '../../db/schema/index.ts';
import { makeMention } from '../helpers/harness.ts';
import { envelope, json, useApi } from './harness.ts';

const t = useApi({
  config: { brands: [{ name: 'Acme', query: '"acme"' }], pipeline: { batchSize: 2 } },
});

describe('POST /v1/ingest', () => {
  it('writes one audit row per committed batch with its counts, in the batch transaction (issue 10 item 11)', async () => {
    const items = [
      makeMention({ text: 'acme one' }),
      makeMention({ text: 'acme two' }),
      makeMention({ text: 'acme three' }),
      { platform: 'test' },
    ];
    const r = await json(t.call('POST', '/v1/ingest', t.editor, items));
    expect(r).toMatchObject({ stored: 3, rejected: 1 });
    const rows = await t.deps.db.select().from(auditLog).where(eq(auditLog.action, 'mentions.ingest'));
    // batchSize 2: two batches, each audited once, never once per mention.
    expect(rows).toHaveLength(2);
    const batches = await t.deps.db.select().from(ingestBatches);
    expect(rows.map((a) => a.entityId).sort()).toEqual(batches.map((b) => b.id).sort());
    expect(
      rows.every((a) => a.actor.startsWith('key:') && a.entityType === 'ingest_batch' && a.requestId),
    ).toBe(true);
    const counts = rows.map((a) => a.after as { stored: number; rejected: number; received: number });
    expect(counts.reduce((n, c) => n + c.stored, 0)).toBe(3);
    expect(counts.reduce((n, c) => n + c.rejected, 0)).toBe(1);
    // A request that changes nothing (all duplicates, no new counts) is not a mutation.
    await t.call('POST', '/v1/ingest', t.editor, items.slice(0, 1));
    expect(
      await t.deps.db.select().from(auditLog).where(eq(auditLog.action, 'mentions.ingest')),
    ).toHaveLength(2);
  });

  it('an item missing four fields reports each of them', async () => {
    const good = makeMention({ text: 'acme fine' });
    const r = await json(
      t.call('POST', '/v1/ingest', t.editor, [good, { platform: 'test', url: 'https://x.example/1' }]),
    );
    expect(r).toMatchObject({ stored: 1, rejected: 1 });
    expect(r.errors).toEqual([
      { index: 1, field: 'externalId', message: 'required' },
      { index: 1, field: 'author', message: 'required' },
      { index: 1, field: 'text', message: 'required' },
      { index: 1, field: 'publishedAt', message: 'required' },
    ]);
    const all = await envelope(await t.call('POST', '/v1/ingest', t.editor, [{ platform: 'test' }]), 400);
    expect(all.field).toBe('[0].externalId');
    expect(all.details).toHaveLength(4);
  });

  it('a top-level likes says it belongs under metrics; a misplaced author field says so too', async () => {
    const item = { ...makeMention({ text: 'acme extras' }), likes: 5, followers: 3 };
    const r = await json(t.call('POST', '/v1/ingest', t.editor, [item]));
    expect(r.warnings).toEqual([
      {
        index: 0,
        field: 'likes',
        message: 'unknown field, ignored: it belongs under metrics (metrics.likes)',
      },
      {
        index: 0,
        field: 'followers',
        message: 'unknown field, ignored: it belongs under author (author.followers)',
      },
    ]);
  });

  it('a publishedAt in the future is clamped to the time received, with a warning; a few minutes of skew are not', async () => {
    const now = t.deps.clock.now().getTime();
    const future = makeMention({
      text: 'acme from the future',
      publishedAt: new Date(now + 86_400_000).toISOString(),
    });
    const skewed = makeMention({
      text: 'acme skewed clock',
      publishedAt: new Date(now + 60_000).toISOString(),
    });
    const r = await json(t.call('POST', '/v1/ingest', t.editor, [future, skewed]));
    expect(r.stored).toBe(2);
    expect(r.warnings).toEqual([
      { index: 0, field: 'publishedAt', message: expect.stringMatching(/in the future/) },
    ]);
    const rows = await t.h.query<{ text: string; published_at: Date | string }>(
      'select text, published_at from mentions order by text',
    );
    const at = (text: string) => new Date(rows.find((x) => x.text === text)!.published_at).getTime();
    expect(at('acme from the future')).toBe(now);
    expect(at('acme skewed clock')).toBe(now + 60_000);
  });

  it('a body that is neither JSON nor NDJSON is a 415; NDJSON is read only when declared', async () => {
    const nd = `${JSON.stringify(makeMention({ text: 'acme nd' }))}\n`;
    for (const ct of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
      const r = await t.app.request('/v1/ingest', {
        method: 'POST',
        headers: { authorization: `Bearer ${t.editor}`, ...(ct ? { 'content-type': ct } : {}) },
        body: nd,
      });
      const e = await envelope(r, 415);
      expect(e.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(e.message).toContain('application/x-ndjson');
    }
    const asJson = await t.call('POST', '/v1/ingest', t.editor, nd, { 'content-type': 'application/json' });
    expect((await envelope(asJson, 400)).message).toMatch(/JSON/);
    const declared = await json(
      t.call('POST', '/v1/ingest', t.editor, nd, { 'content-type': 'application/x-ndjson' }),
    );
    expect(declared).toMatchObject({ received: 1, stored: 1 });
  });
});
