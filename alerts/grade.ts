import type { FactorName, GradingConfig } from './schema.ts';
import type { AlertFactor, AlertLevel } from './types.ts';

/**
 * What a rule measured; every field is optional and only present factors score.
 * Shares and scores are 0..1; followers and velocities are raw counts.
 */
export interface GradeInput {
  /** Negative mentions behind the alert. */
  negative: number;
  /** Current rate divided by the baseline rate (hour-of-week or recent). */
  velocityRatio?: number;
  negativeShare?: number;
  baselineShare?: number;
  /** Mean |sentiment score| of the negative mentions. */
  intensity?: number;
  maxFollowers?: number;
  verifiedAuthors?: number;
  authoritativeSite?: string;
  platforms?: number;
  /** Highest crisis score among the mentions, and how many authors used crisis language. */
  crisisScore?: number;
  crisisAuthors?: number;
  /** Engagement gained per hour across re-polls. */
  engagementPerHour?: number;
  /** Followers of the authors behind the alert, summed: the audience it reached. */
  reach?: number;
}

export interface GradedFactor extends AlertFactor {
  name: FactorName;
  value: number | string;
  weight: number;
  /** 0..1 strength of the signal before weighting. */
  strength: number;
  /** Points this factor contributed to the 0..100 score. */
  points: number;
}

export interface Grade {
  level: AlertLevel;
  score: number;
  factors: GradedFactor[];
}

export const DEFAULT_WEIGHTS: Readonly<Record<FactorName, number>> = Object.freeze({
  velocity: 3,
  volume: 2,
  'negative-share': 2,
  intensity: 1,
  authority: 2,
  spread: 1,
  crisis: 3,
  engagement: 2,
});

export const DEFAULT_LEVELS = Object.freeze({ critical: 60, high: 40, medium: 25 });

const clamp = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);
const pct = (x: number) => `${Math.round(x * 100)}%`;
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** Merge the global and brand grading settings. */
export function gradingFor(global: GradingConfig | undefined, brand: GradingConfig | undefined) {
  return {
    weights: {
      ...DEFAULT_WEIGHTS,
      ...stripUndefined(global?.weights),
      ...stripUndefined(brand?.weights),
    } as Record<FactorName, number>,
    levels: {
      ...DEFAULT_LEVELS,
      ...stripUndefined(global?.levels),
      ...stripUndefined(brand?.levels),
    } as typeof DEFAULT_LEVELS,
  };
}

function stripUndefined<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Grade an alert 1..4. Each factor has a strength in 0..1 (log-scaled for counts) and a
 * weight; the score is `100 × Σ weight·strength / Σ all weights`, so an alert backed by one
 * signal stays low and one backed by several climbs. Level: score ≥ critical → 1,
 * ≥ high → 2, ≥ medium → 3, else 4 (defaults 60 / 40 / 25, per brand in config).
 *
 * @example
 * grade({ negative: 120, velocityRatio: 9, negativeShare: 0.7, baselineShare: 0.15 }, gradingFor(undefined, undefined)).level // 2
 */
export function grade(input: GradeInput, settings: ReturnType<typeof gradingFor>): Grade {
  const w = settings.weights;
  const total = Object.values(w).reduce((a, b) => a + b, 0) || 1;
  const factors: GradedFactor[] = [];
  const add = (name: FactorName, value: number | string, strength: number, explanation: string) => {
    const s = clamp(strength);
    factors.push({
      name,
      value,
      weight: w[name],
      strength: round(s),
      points: round((100 * w[name] * s) / total, 1),
      explanation,
    });
  };

  if (input.velocityRatio !== undefined) {
    const r = input.velocityRatio;
    add(
      'velocity',
      round(r, 1),
      Math.log2(Math.max(r, 1)) / 4,
      `${round(r, 1)}× the usual rate for this hour of the week (16× scores full)`,
    );
  }
  // Volume: the count of negative mentions, or, for crisis language, the audience it reached
  // (one crisis post before 1.25M followers is as big as hundreds of complaints).
  const byCount = Math.log10(Math.max(input.negative, 1)) / 3;
  const exposure =
    input.reach && input.crisisScore ? (input.crisisScore * Math.log10(input.reach + 1)) / 7 : 0;
  add(
    'volume',
    input.negative,
    Math.max(byCount, exposure),
    `${input.negative} negative mention${input.negative === 1 ? '' : 's'} (1,000 scores full)${
      exposure > byCount
        ? `; crisis language reaching ${Math.round(input.reach ?? 0).toLocaleString('en-US')} followers (10M scores full)`
        : ''
    }`,
  );
  if (input.negativeShare !== undefined) {
    const base = input.baselineShare;
    const s = base === undefined ? input.negativeShare : (input.negativeShare - base) / 0.5;
    add(
      'negative-share',
      round(input.negativeShare),
      s,
      base === undefined
        ? `${pct(input.negativeShare)} of mentions negative`
        : `${pct(input.negativeShare)} negative vs ${pct(base)} usual`,
    );
  }
  if (input.intensity !== undefined)
    add(
      'intensity',
      round(input.intensity),
      input.intensity,
      `mean negative sentiment strength ${round(input.intensity)} on a 0–1 scale`,
    );
  if (input.maxFollowers !== undefined || input.authoritativeSite || input.verifiedAuthors) {
    const f = input.maxFollowers ?? 0;
    const s = Math.max(
      Math.log10(f + 1) / 6.5,
      input.authoritativeSite ? 1 : 0,
      input.verifiedAuthors ? 0.5 : 0,
    );
    const parts = [`largest author reach ${f.toLocaleString('en-US')} followers`];
    if (input.verifiedAuthors)
      parts.push(`${input.verifiedAuthors} verified author${input.verifiedAuthors === 1 ? '' : 's'}`);
    if (input.authoritativeSite) parts.push(`authoritative site ${input.authoritativeSite}`);
    add('authority', input.authoritativeSite ?? f, s, parts.join('; '));
  }
  if (input.platforms !== undefined)
    add(
      'spread',
      input.platforms,
      (input.platforms - 1) / 3,
      `on ${input.platforms} platform${input.platforms === 1 ? '' : 's'} (4 scores full)`,
    );
  if (input.crisisScore !== undefined || input.crisisAuthors !== undefined) {
    const s = Math.max(input.crisisScore ?? 0, (input.crisisAuthors ?? 0) / 10);
    add(
      'crisis',
      round(input.crisisScore ?? 0),
      s,
      `crisis language score ${round(input.crisisScore ?? 0)}${input.crisisAuthors ? ` from ${input.crisisAuthors} author${input.crisisAuthors === 1 ? '' : 's'}` : ''}`,
    );
  }
  if (input.engagementPerHour !== undefined) {
    add(
      'engagement',
      Math.round(input.engagementPerHour),
      Math.log10(input.engagementPerHour + 1) / 4,
      `engagement growing ${Math.round(input.engagementPerHour)}/hour (10,000/hour scores full)`,
    );
  }

  const score = round(
    factors.reduce((a, f) => a + f.points, 0),
    1,
  );
  const l = settings.levels;
  const level: AlertLevel = score >= l.critical ? 1 : score >= l.high ? 2 : score >= l.medium ? 3 : 4;
  factors.sort((a, b) => b.points - a.points);
  return { level, score, factors };
}
