import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binomialUpperTail, countTerms, emergingTerms } from '../../../classifiers/topics.ts';

const repeat = (n: number, text: string) => Array.from({ length: n }, () => text);

describe('countTerms', () => {
  it('counts unigrams and bigrams once per text, CJK-aware, skipping stopwords, URLs and mentions', () => {
    const { counts, total } = countTerms([
      'The Acme kettle exploded! https://x.co/a @someone',
      'acme kettle exploded again acme',
      '艾克米水壶爆炸了',
    ]);
    expect(counts.get('acme')).toBe(2);
    expect(counts.get('kettle exploded')).toBe(2);
    expect(counts.get('acme kettle')).toBe(2);
    expect(counts.get('the')).toBeUndefined();
    expect(counts.get('the acme')).toBeUndefined();
    expect([...counts.keys()].some((k) => k.includes('http') || k.includes('someone'))).toBe(false);
    expect(counts.get('爆炸')).toBe(1);
    expect(counts.get('水壶爆炸')).toBe(1);
    expect(total).toBeGreaterThan(8);
  });

  it('does not join words across punctuation or scripts', () => {
    const { counts } = countTerms(['kettle. exploded', 'kettle 爆炸']);
    expect(counts.has('kettle exploded')).toBe(false);
    expect(counts.has('kettle 爆炸')).toBe(false);
    expect(counts.has('kettle爆炸')).toBe(false);
  });
});

describe('emergingTerms', () => {
  const baselineTexts = [
    ...repeat(300, 'acme kettle works fine love it'),
    ...repeat(5, 'acme kettle lid loose'),
  ];

  it('finds a phrase rising against its own baseline, and reports the phrase rather than its words', () => {
    const base = countTerms(baselineTexts);
    const now = countTerms([
      ...repeat(60, 'acme kettle works fine love it'),
      ...repeat(15, 'acme kettle exploded in my kitchen'),
      ...repeat(8, '艾克米水壶爆炸'),
    ]);
    const terms = emergingTerms(now.counts, base.counts, {
      currentTotal: now.total,
      baselineTotal: base.total,
    }).map((t) => t.term);
    expect(terms).toContain('kettle exploded');
    expect(terms).toContain('水壶爆炸');
    expect(terms).not.toContain('exploded'); // absorbed by the phrase
    expect(terms).not.toContain('kettle'); // steady
    expect(terms).not.toContain('love');
  });

  it('needs a minimum count, and a steady term does not emerge however frequent', () => {
    const base = { steady: 1000, rare: 0 };
    expect(
      emergingTerms({ steady: 1000, rare: 3 }, base, { currentTotal: 10_000, baselineTotal: 10_000 }),
    ).toEqual([]);
    const r = emergingTerms({ steady: 1000, rare: 40 }, base, {
      currentTotal: 10_000,
      baselineTotal: 10_000,
    });
    expect(r.map((t) => t.term)).toEqual(['rare']);
    expect(r[0]!.pValue).toBeLessThan(1e-6);
    expect(r[0]!.logRatio).toBeGreaterThan(Math.log(3));
  });

  it('judges rates, not raw counts: a busier window alone is not emergence', () => {
    // Everything doubled (twice the traffic): nothing emerges.
    expect(emergingTerms({ a: 200, b: 100 }, { a: 100, b: 50 })).toEqual([]);
  });

  it('binomial tail is exact for small n and monotone', () => {
    expect(binomialUpperTail(0, 10, 0.5)).toBe(1);
    expect(binomialUpperTail(10, 10, 0.5)).toBeCloseTo(1 / 1024, 10);
    expect(binomialUpperTail(8, 10, 0.5)).toBeCloseTo(56 / 1024, 10);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        (n, p) => {
          let prev = 1;
          for (let k = 0; k <= n; k += Math.max(1, Math.floor(n / 10))) {
            const v = binomialUpperTail(k, n, p);
            expect(v).toBeLessThanOrEqual(prev + 1e-12);
            expect(v).toBeGreaterThanOrEqual(0);
            prev = v;
          }
        },
      ),
    );
  });
});
