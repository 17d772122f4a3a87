import { describe, expect, it } from 'vitest';
import { authorSpamSignals, floodScore, spam, spamOf, spamOptions } from '../../../classifiers/spam.ts';
import { silentLogger } from '../../../src/log.ts';

const now = new Date('2026-03-01T00:00:00Z');
const of = (text: string) => spamOf({ text }, undefined, now);

describe('spam', () => {
  it.each([
    ['兼职日结，加微信 abc12345 详聊', 'promo:兼职'],
    ['代购正品，返利50%，私我', 'promo:代购'],
    ['Free followers fast! DM for promo', 'promo:free followers'],
    ['check this out https://bit.ly/abc', 'link-shortener'],
    ['deals https://a.example/1 https://b.example/2 https://c.example/3', 'links:3'],
    ['#win #free #gift #promo #sale #deal #love #follow', 'hashtags:8'],
    ['WOOOOOOOOOOW', 'repeated-characters'],
    ['whatsapp: +44 7700 900123 for the best price', 'contact-details'],
  ])('%s → %s', (text, reason) => {
    const r = of(text);
    expect(r.reasons).toContain(reason);
    expect(r.score).toBeGreaterThan(0.2);
  });

  it('scores blatant promotion high and genuine posts zero', () => {
    expect(of('兼职日结，加微信 abc12345 详聊').score).toBeGreaterThan(0.9);
    for (const t of [
      'My Acme kettle broke after a week, support was useless',
      '艾克米的水壶真好用，推荐给大家',
      'Read the review here https://t.co/abc123 — fair points about the lid',
    ]) {
      expect(of(t), t).toEqual({ score: 0, reasons: [] });
    }
  });

  it('uses author heuristics when the source gives them, never for verified authors', () => {
    const author = {
      handle: 'x',
      followers: 3,
      postsCount: 40_000,
      createdAt: new Date('2026-02-27T00:00:00Z'),
    };
    expect(authorSpamSignals(author, now).map((s) => s.reason)).toEqual([
      'author:few-followers-many-posts',
      'author:new-account',
      'author:posting-rate',
    ]);
    expect(authorSpamSignals({ ...author, verified: true }, now)).toEqual([]);
    expect(authorSpamSignals({ handle: 'y' }, now)).toEqual([]);
    expect(spamOf({ text: 'hello', author }, undefined, now).score).toBeGreaterThan(0.6);
  });

  it('floodScore rises with near-duplicate copies and is added as a reason', () => {
    expect(floodScore(0)).toBe(0);
    expect(floodScore(2)).toBe(0);
    expect(floodScore(10)).toBe(0.5);
    expect(floodScore(1000)).toBe(0.9);
    expect(floodScore(Number.NaN)).toBe(0);
    for (let n = 3; n < 200; n++) expect(floodScore(n + 1)).toBeGreaterThanOrEqual(floodScore(n));
    expect(spamOf({ text: 'same text' }, undefined, now, { dupCount: 50 }).reasons).toEqual([
      'near-duplicates:50',
    ]);
  });

  it('accepts configured promo terms and scores clean posts 0 (scored, not missing)', async () => {
    const o = spamOptions.parse({ promoTerms: [{ term: 'Kettle Coin', weight: 0.8 }] });
    const out = await spam.classify(
      { log: silentLogger() },
      [
        { id: '1', text: 'buy KETTLE COIN now' },
        { id: '2', text: 'nice kettle' },
      ],
      [],
      o,
    );
    expect(out[0]!.spam?.reasons).toContain('promo:kettle coin');
    expect(out[1]).toEqual({ spam: { score: 0, reasons: [] } });
  });
});
