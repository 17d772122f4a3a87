import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scoreSentiment } from '../../classifiers/sentiment.ts';

/**
 * The probe sets (tests/fixtures/sentiment-probes): crisis posts, everyday complaints, neutral
 * and positive controls in English and Chinese, against the product targets. `holdout.jsonl`
 * was written before the crisis lexicon and is never tuned on; `dev.jsonl` was written later.
 * `npm run bench:sentiment` prints the same figures.
 *
 * Groups below their target are listed in `BELOW_TARGET` and run as `it.fails`: the test
 * documents the miss and fails the day the target is met, so the list must then shrink.
 */
interface Probe {
  id: string;
  lang: 'en' | 'zh';
  kind: string;
  label: string;
  category?: string;
  text: string;
}

const GROUPS = [
  { name: 'crisis posts negative', kinds: ['crisis'], target: 0.95 },
  { name: 'everyday complaints negative', kinds: ['complaint'], target: 0.9 },
  {
    name: 'neutral controls neutral',
    kinds: ['question', 'comparison', 'job', 'news', 'context'],
    target: 0.85,
  },
  { name: 'positive controls positive', kinds: ['praise', 'slang'], target: 0.85 },
] as const;

/** `file lang group` of the groups measured below their target (docs/benchmarks.md). */
const BELOW_TARGET = new Set<string>([
  'holdout en everyday complaints negative',
  'holdout en positive controls positive',
  'holdout zh neutral controls neutral',
  'dev en everyday complaints negative',
  'dev zh everyday complaints negative',
]);

const read = (file: string): Probe[] =>
  readFileSync(new URL(`../fixtures/sentiment-probes/${file}.jsonl`, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Probe);

describe.each(['holdout', 'dev'])('sentiment probes: %s', (file) => {
  const rows = read(file);

  it('cover every group in both languages with unique ids', () => {
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    for (const lang of ['en', 'zh'])
      for (const g of GROUPS)
        expect(
          rows.filter((r) => r.lang === lang && (g.kinds as readonly string[]).includes(r.kind)).length,
        ).toBeGreaterThanOrEqual(8);
  });

  for (const lang of ['en', 'zh'] as const) {
    for (const g of GROUPS) {
      const key = `${file} ${lang} ${g.name}`;
      const run = BELOW_TARGET.has(key) ? it.fails : it;
      run(`${lang}: ${g.name} ≥ ${g.target * 100}%`, () => {
        const items = rows.filter((r) => r.lang === lang && (g.kinds as readonly string[]).includes(r.kind));
        const wrong = items.filter((r) => scoreSentiment(r.text, r.lang).label !== r.label);
        const share = 1 - wrong.length / items.length;
        expect(share, wrong.map((r) => `${r.id}: ${r.text}`).join('\n')).toBeGreaterThanOrEqual(g.target);
      });
    }

    it(`${lang}: crisis posts get their crisis category (≥ 80%)`, () => {
      const items = rows.filter((r) => r.lang === lang && r.kind === 'crisis');
      const right = items.filter((r) => scoreSentiment(r.text, r.lang).crisis.category === r.category);
      expect(right.length / items.length).toBeGreaterThanOrEqual(0.8);
    });
  }
});
