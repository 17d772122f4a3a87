import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spam } from '../../classifiers/spam.ts';
import type { DbHandle } from '../../db/client.ts';
import { mentions } from '../../db/schema/index.ts';
import { syncConfig } from '../../src/config/sync.ts';
import type { Deps } from '../../src/deps.ts';
import { makeDeps, makeMention } from '../helpers/harness.ts';
import { openTestDb, truncateAll } from '../helpers/pg.ts';

// The spam classifier's stored signals that only the pipeline can know: how large a post's
// near-duplicate story already is, and what Earshot has stored of its author.

let h: DbHandle;
let deps: Deps;

beforeAll(async () => {
  h = await openTestDb();
});
afterAll(async () => {
  await deps?.close();
  await h?.close();
});
beforeEach(async () => {
  await truncateAll(h);
  deps = await makeDeps({
    handle: h,
    classifiers: [spam],
    config: { brands: [{ name: 'Acme', query: 'acme' }] },
  });
  await syncConfig(deps);
});

/** The spam classifier's reasons as stored in the mention's classification record (`spam@<version>`). */
const reasons = (m: { classifications: unknown }) => {
  const rec = m.classifications as Record<string, { spam?: { reasons: string[] } }>;
  const key = Object.keys(rec ?? {}).find((k) => k.startsWith('spam@'));
  return (key ? (rec[key]!.spam?.reasons ?? []) : []).join(' ');
};

describe('spam signals from the pipeline', () => {
  it('a copy-paste flood scores higher as its story grows; the original and unrelated posts score 0, not null', async () => {
    const text =
      'Just tried the new Acme kettle and honestly it boils water faster than anything I have owned before';
    await deps.pipeline.processBatch([makeMention({ text, author: { handle: 'orig', followers: 900 } })], {
      origin: 'test',
    });
    // Twelve accounts paste the same text, four per batch: stored members and earlier ones in the batch count.
    for (let b = 0; b < 3; b++) {
      await deps.pipeline.processBatch(
        Array.from({ length: 4 }, (_, i) =>
          makeMention({
            text: `${text} ${'!'.repeat(i)}`,
            author: { handle: `copy${b}_${i}`, followers: 900 },
          }),
        ),
        { origin: 'test' },
      );
    }
    await deps.pipeline.processBatch(
      [
        makeMention({
          text: 'Acme support fixed my order within a day, impressed',
          author: { handle: 'calm', followers: 900 },
        }),
      ],
      {
        origin: 'test',
      },
    );
    const rows = await deps.db.select().from(mentions);
    const orig = rows.find((r) => r.authorHandle === 'orig')!;
    expect(orig.spamScore).toBe(0);
    expect(rows.find((r) => r.authorHandle === 'calm')!.spamScore).toBe(0);
    const copies = rows
      .filter((r) => r.authorHandle.startsWith('copy'))
      .sort((a, b) => a.id.localeCompare(b.id));
    expect(copies).toHaveLength(12);
    expect(copies.every((c) => c.storyId === orig.id)).toBe(true);
    const byHandle = (h: string) => copies.find((c) => c.authorHandle === h)!;
    // The second copy joins a story of two (no flood yet); the last joins a story of twelve.
    expect(byHandle('copy0_1').spamScore).toBe(0);
    const last = byHandle('copy2_3');
    expect(last.spamScore!).toBeGreaterThanOrEqual(0.5);
    expect(reasons(last)).toContain('near-duplicates:12');
    expect(last.spamScore!).toBeGreaterThan(byHandle('copy1_0').spamScore!);
  });

  it('an author with almost no followers who floods the brand is flagged on later posts', async () => {
    const topics = [
      'battery',
      'screen',
      'price',
      'shipping',
      'colour',
      'camera',
      'speaker',
      'case',
      'charger',
      'app',
    ];
    const words = [
      'great',
      'bad',
      'odd',
      'fine',
      'slow',
      'fast',
      'loud',
      'cheap',
      'nice',
      'weird',
      'ok',
      'meh',
    ];
    await deps.pipeline.processBatch(
      Array.from({ length: 24 }, (_, i) =>
        makeMention({
          text: `acme ${topics[i % 10]} is ${words[i % 12]} ${i} ${words[(i * 7) % 12]} and ${topics[(i * 3) % 10]} ${i * 13}`,
          author: { handle: 'bot', followers: 3 },
        }),
      ),
      { origin: 'test' },
    );
    await deps.pipeline.processBatch(
      [
        makeMention({
          text: 'acme warranty question from the same account',
          author: { handle: 'bot', followers: 3 },
        }),
        makeMention({
          text: 'acme warranty question from a popular account',
          author: { handle: 'pop', followers: 5000 },
        }),
      ],
      { origin: 'test' },
    );
    const rows = await deps.db.select().from(mentions);
    const later = rows.find((r) => r.text.includes('same account'))!;
    expect(reasons(later)).toMatch(/author:brand-flood:24/);
    expect(later.spamScore!).toBeGreaterThan(0);
    expect(rows.find((r) => r.authorHandle === 'pop')!.spamScore).toBe(0);
  });

  it('uses the account figures a platform gives (posts count, account age)', async () => {
    await deps.pipeline.processBatch(
      [
        makeMention({
          text: 'acme is the best, everyone should buy acme today',
          author: { handle: 'fresh', followers: 2, postsCount: 40_000, createdAt: '2026-11-22T00:00:00Z' },
        }),
      ],
      { origin: 'test' },
    );
    const [row] = await deps.db.select().from(mentions);
    expect(reasons(row!)).toMatch(/author:few-followers-many-posts/);
    // The post is from 2026-11-25: the account was three days old then, whenever it is stored.
    expect(reasons(row!)).toMatch(/author:new-account/);
    expect(row!.spamScore!).toBeGreaterThan(0.4);
  });
});
