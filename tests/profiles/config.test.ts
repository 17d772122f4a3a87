import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.ts';
import { parseSince } from '../../src/profiles/cli.ts';
import { csvCell, parseCsv, toCsv } from '../../src/profiles/csv.ts';
import { influenceOf, stanceOf, tierOf } from '../../src/profiles/influence.ts';
import { geoOf } from '../../src/profiles/update.ts';

const none = { collectors: [], channels: [], classifiers: [] };

describe('profiles config', () => {
  it('has defaults and rejects a CRM channel that is not an alerts channel', () => {
    const c = configSchema(none).parse({});
    expect(c.profiles).toMatchObject({
      tiers: { micro: 10_000, macro: 100_000, mega: 1_000_000 },
      kolTier: 'micro',
      churnDays: 7,
    });
    const bad = configSchema(none).safeParse({ profiles: { crm: { channel: 'crm' } } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]).toMatchObject({ path: ['profiles', 'crm', 'channel'] });
    const tiers = configSchema(none).safeParse({ profiles: { tiers: { micro: 5, macro: 4, mega: 10 } } });
    expect(tiers.success).toBe(false);
  });
});

describe('formulas', () => {
  const stats = { n: 1000, nReach: 1000, reachSum: 2500, reachSq: 7250, engSum: 500, engSq: 500 };
  it('influence is 0-100, log-weighted and monotone in reach and engagement, halved at most by spam', () => {
    const at = (followers: number, engagement: number, spam = 0) =>
      influenceOf({ followers, posts: 1, engagement, spamSum: spam, spamN: 1 }, stats).score;
    expect(at(0, 0)).toBeGreaterThanOrEqual(0);
    expect(at(10_000_000, 100_000)).toBeLessThanOrEqual(100);
    expect(at(100_000, 10)).toBeGreaterThan(at(1000, 10));
    expect(at(1000, 1000)).toBeGreaterThan(at(1000, 10));
    expect(at(100_000, 100, 1)).toBeCloseTo(at(100_000, 100) / 2, 0);
    // No follower counts on the platform: engagement alone.
    const noReach = { ...stats, nReach: 0, reachSum: 0, reachSq: 0 };
    expect(
      influenceOf({ followers: null, posts: 1, engagement: 1000, spamSum: 0, spamN: 0 }, noReach)
        .reachPercentile,
    ).toBeNull();
  });
  it('tiers and stance', () => {
    const bands = { micro: 10_000, macro: 100_000, mega: 1_000_000 };
    expect([null, 9_999, 10_000, 100_000, 1_000_000].map((f) => tierOf(f, bands))).toEqual([
      'nano',
      'nano',
      'micro',
      'macro',
      'mega',
    ]);
    const rule = { minPosts: 3, threshold: 0.25 };
    expect(stanceOf({ positive: 3, negative: 0, neutral: 0 }, rule)).toBe('advocate');
    expect(stanceOf({ positive: 2, negative: 2, neutral: 1 }, rule)).toBe('neutral');
    expect(stanceOf({ positive: 0, negative: 3, neutral: 1 }, rule)).toBe('detractor');
  });
  it('geography only from what a post carried', () => {
    expect(geoOf({ region: 'IP属地：广东' })).toBe('广东');
    expect(geoOf({ user: { location: 'Berlin' } })).toBe('Berlin');
    expect(geoOf({ other: 1 })).toBeNull();
    expect(geoOf(null)).toBeNull();
  });
  it('--since durations', () => {
    expect(parseSince('30d')).toBe(30 * 86_400_000);
    expect(parseSince('12h')).toBe(12 * 3_600_000);
    expect(() => parseSince('7x')).toThrow(/--since/);
  });
});

describe('CSV', () => {
  it('parses quotes, doubled quotes, CRLF and a BOM', () => {
    expect(parseCsv('\ufeffa,b\r\n"x, ""y""",z\n\n')).toEqual([
      ['a', 'b'],
      ['x, "y"', 'z'],
    ]);
  });
  it('neutralises formula cells (CSV injection) and quotes when needed', () => {
    expect(['=1+1', '+1', '-2', '@SUM(A1)', '\tx', 'ok'].map(csvCell)).toEqual([
      "'=1+1",
      "'+1",
      "'-2",
      "'@SUM(A1)",
      "'\tx",
      'ok',
    ]);
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(toCsv(['a'], [[null], [['x', 'y']]])).toBe('a\r\n\r\nx;y\r\n');
    // Numbers are our own figures: a negative sentiment stays numeric for the spreadsheet.
    expect([-0.123, 42, Number.NaN].map(csvCell)).toEqual(['-0.123', '42', '']);
  });
});
