import { type SQL, sql } from 'drizzle-orm';
import type { ProfilesConfig } from '../config/schema.ts';

export type Tier = 'nano' | 'micro' | 'macro' | 'mega';
export type Stance = 'advocate' | 'neutral' | 'detractor';

export const TIER_LABELS: Record<Tier, { en: string; zh: string }> = {
  nano: { en: 'nano', zh: '尾部' },
  micro: { en: 'micro', zh: '腰部' },
  macro: { en: 'macro', zh: '头部' },
  mega: { en: 'mega', zh: '超头部' },
};

const TIER_RANK: Record<Tier, number> = { nano: 0, micro: 1, macro: 2, mega: 3 };
export const tierAtLeast = (t: Tier, min: Tier) => TIER_RANK[t] >= TIER_RANK[min];
export const tiersAtLeast = (min: Tier): Tier[] =>
  (Object.keys(TIER_RANK) as Tier[]).filter((t) => tierAtLeast(t, min));

/** Weights of the influence formula (docs/profiles.md). */
export const INFLUENCE = {
  reachWeight: 0.6,
  engagementWeight: 0.4,
  /** Logistic approximation of the normal CDF: Φ(z) ≈ 1 / (1 + e^(-1.702 z)), error < 0.01. */
  logisticK: 1.702,
  /** Floor of a platform's standard deviation (log10 units), so a young platform does not explode. */
  minSd: 0.25,
  spamPenalty: 0.5,
} as const;

export interface PlatformStatsRow {
  n: number;
  nReach: number;
  reachSum: number;
  reachSq: number;
  engSum: number;
  engSq: number;
}

export interface InfluenceInput {
  followers: number | null;
  posts: number;
  engagement: number;
  spamSum: number;
  spamN: number;
}

export interface InfluenceExplained {
  score: number;
  /** log10(1 + followers) and its platform percentile estimate. */
  reachLog: number;
  reachPercentile: number | null;
  /** log10(1 + engagement per post) and its platform percentile estimate. */
  engagementLog: number;
  engagementPercentile: number;
  spam: number;
  platform: {
    posts: number;
    reachMean: number | null;
    reachSd: number | null;
    engMean: number;
    engSd: number;
  };
}

const phi = (z: number) => 1 / (1 + Math.exp(-INFLUENCE.logisticK * z));

/**
 * Influence 0-100 of one author, with its parts. The same formula as `influenceSql`, in
 * JavaScript for explanations in reports and for tests.
 *
 * score = 100 × (0.6·Φ(zR) + 0.4·Φ(zE)) × (1 − 0.5·spam), where
 * R = log10(1 + followers), E = log10(1 + engagement per post), z = (x − mean) / sd over the
 * platform's stored posts, Φ the normal CDF (logistic approximation); on a platform that
 * reports no follower counts, score = 100 × Φ(zE) × (1 − 0.5·spam).
 *
 * @example
 * influenceOf({ followers: 50_000, posts: 3, engagement: 900, spamSum: 0, spamN: 3 }, stats).score
 */
export function influenceOf(a: InfluenceInput, s: PlatformStatsRow): InfluenceExplained {
  const R = Math.log10(1 + Math.max(0, a.followers ?? 0));
  const E = Math.log10(1 + Math.max(0, a.engagement) / Math.max(1, a.posts));
  const n = Math.max(1, s.n);
  const engMean = s.engSum / n;
  const engSd = Math.max(INFLUENCE.minSd, Math.sqrt(Math.max(0, s.engSq / n - engMean ** 2)));
  const e = phi((E - engMean) / engSd);
  const spam = a.spamN > 0 ? a.spamSum / a.spamN : 0;
  let base = e;
  let reachMean: number | null = null;
  let reachSd: number | null = null;
  let r: number | null = null;
  if (s.nReach > 0) {
    reachMean = s.reachSum / s.nReach;
    reachSd = Math.max(INFLUENCE.minSd, Math.sqrt(Math.max(0, s.reachSq / s.nReach - reachMean ** 2)));
    r = phi((R - reachMean) / reachSd);
    base = INFLUENCE.reachWeight * r + INFLUENCE.engagementWeight * e;
  }
  const score = Math.round(1000 * base * (1 - INFLUENCE.spamPenalty * spam)) / 10;
  return {
    score,
    reachLog: R,
    reachPercentile: r === null ? null : Math.round(r * 1000) / 10,
    engagementLog: E,
    engagementPercentile: Math.round(e * 1000) / 10,
    spam,
    platform: { posts: s.n, reachMean, reachSd, engMean, engSd },
  };
}

/** `influence` as a SQL expression over `a` (authors) and `s` (platform_stats). Keep in step with `influenceOf`. */
export function influenceSql(): SQL {
  const k = INFLUENCE.logisticK;
  const sd = INFLUENCE.minSd;
  return sql.raw(`round((100 * (
    case when s.n_reach > 0 then
      ${INFLUENCE.reachWeight} / (1 + exp(-${k} * (log(1 + greatest(coalesce(a.followers, 0), 0)::float8) - s.reach_sum / s.n_reach)
        / greatest(${sd}, sqrt(greatest(0, s.reach_sq / s.n_reach - (s.reach_sum / s.n_reach) ^ 2)))))
      + ${INFLUENCE.engagementWeight} / (1 + exp(-${k} * (log(1 + greatest(a.engagement, 0)::float8 / greatest(a.posts, 1)) - s.eng_sum / greatest(s.n, 1))
        / greatest(${sd}, sqrt(greatest(0, s.eng_sq / greatest(s.n, 1) - (s.eng_sum / greatest(s.n, 1)) ^ 2)))))
    else
      1 / (1 + exp(-${k} * (log(1 + greatest(a.engagement, 0)::float8 / greatest(a.posts, 1)) - s.eng_sum / greatest(s.n, 1))
        / greatest(${sd}, sqrt(greatest(0, s.eng_sq / greatest(s.n, 1) - (s.eng_sum / greatest(s.n, 1)) ^ 2)))))
    end) * (1 - ${INFLUENCE.spamPenalty} * case when a.spam_n > 0 then a.spam_sum / a.spam_n else 0 end))::numeric, 1)::real`);
}

export function tierOf(followers: number | null, bands: ProfilesConfig['tiers']): Tier {
  const f = followers ?? 0;
  if (f >= bands.mega) return 'mega';
  if (f >= bands.macro) return 'macro';
  if (f >= bands.micro) return 'micro';
  return 'nano';
}

/** `tier` as a SQL expression over a followers column. */
export function tierSql(col: string, bands: ProfilesConfig['tiers']): SQL {
  const b = (n: number) => Math.trunc(n);
  return sql.raw(
    `case when coalesce(${col}, 0) >= ${b(bands.mega)} then 'mega' when coalesce(${col}, 0) >= ${b(bands.macro)} then 'macro' when coalesce(${col}, 0) >= ${b(bands.micro)} then 'micro' else 'nano' end`,
  );
}

/**
 * Stance toward a brand from its labelled posts: net = (positive − negative) / labelled.
 * Fewer than `minPosts` labelled posts is not evidence: neutral.
 */
export function stanceOf(
  c: { positive: number; negative: number; neutral: number },
  rule: ProfilesConfig['stance'],
): Stance {
  const n = c.positive + c.negative + c.neutral;
  if (n < rule.minPosts) return 'neutral';
  const net = (c.positive - c.negative) / n;
  if (net >= rule.threshold) return 'advocate';
  if (net <= -rule.threshold) return 'detractor';
  return 'neutral';
}

/** `stance` as a SQL expression over an author_brands row aliased `ab`. */
export function stanceSql(rule: ProfilesConfig['stance']): SQL {
  const n = '(ab.positive + ab.negative + ab.neutral)';
  const t = Number(rule.threshold);
  return sql.raw(`case when ${n} < ${Math.trunc(rule.minPosts)} then 'neutral'
    when (ab.positive - ab.negative)::float8 / ${n} >= ${t} then 'advocate'
    when (ab.positive - ab.negative)::float8 / ${n} <= ${-t} then 'detractor'
    else 'neutral' end`);
}

/** Half-life of the decayed activity counter (the F of RFM). */
export const ACTIVITY_HALF_LIFE_MS = 30 * 86_400_000;
export const decay = (ms: number) => 0.5 ** (Math.max(0, ms) / ACTIVITY_HALF_LIFE_MS);
