import { and, asc, desc, eq, gte, inArray, lt, lte, min, or, sql, sum } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { brandHourly, detectorState, mentionBrands, mentions, metricSnapshots } from '../db/schema/index.ts';
import type { GradeInput } from './grade.ts';
import type { RuleId, RuleParams } from './schema.ts';
import {
  createSpikeDetector,
  defaultSpikeParams,
  type SpikeCheck,
  type SpikeDetectorState,
  type SpikeParams,
  type SpikeSignal,
} from './spike.ts';

/**
 * The detection rules. Each reads bounded, indexed ranges (the hourly rollup, one brand's
 * recent links by `(brand_id, published_at)`, a batch's own rows), never a full scan, and
 * returns candidates: what fired, why (a `GradeInput`), and the mentions behind it. Grading
 * and grouping into incidents happen in the engine.
 */
export interface Candidate {
  brandId: string | null;
  sourceId?: string;
  rule: RuleId;
  /** brand + rule + topic/story: alerts with the same key join one incident. */
  groupKey: string;
  title: string;
  input: GradeInput;
  mentionIds: string[];
  counts: Record<string, number>;
  /** Fixed level for rules that are not graded from mentions (collector down). */
  level?: 1 | 2 | 3 | 4;
  extraFactors?: { name: string; value: number | string; weight: number; explanation: string }[];
  /**
   * A spike inside an episode the detector already signalled (no new signal): it joins an
   * unresolved incident of the group, and opens one only when the group has had no activity for
   * `quietMs` (the episode's opening did not pass the gates, so nobody was paged for it).
   */
  inEpisode?: { quietMs: number };
}

const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;
const floorHour = (t: number) => Math.floor(t / HOUR) * HOUR;

interface Row {
  id: string;
  authorHandle: string;
  platform: string;
  followers: number | null;
  verified: boolean | null;
  url: string | null;
  storyId: string;
  label: string | null;
  score: number | null;
  crisis: number | null;
}

const rowCols = {
  id: mentions.id,
  authorHandle: mentions.authorHandle,
  platform: mentions.platform,
  followers: mentions.authorFollowers,
  verified: mentions.authorVerified,
  url: mentions.url,
  storyId: mentions.storyId,
  label: mentionBrands.sentimentLabel,
  score: mentionBrands.sentimentScore,
  crisis: mentions.crisisScore,
};

/** One brand's mentions published in [from, to], newest first, capped. */
async function brandWindow(db: DbOrTx, brandId: string, from: Date, to: Date, cap = 20_000): Promise<Row[]> {
  return db
    .select(rowCols)
    .from(mentionBrands)
    .innerJoin(mentions, eq(mentions.id, mentionBrands.mentionId))
    .where(
      and(
        eq(mentionBrands.brandId, brandId),
        gte(mentionBrands.publishedAt, from),
        lte(mentionBrands.publishedAt, to),
      ),
    )
    .orderBy(desc(mentionBrands.publishedAt))
    .limit(cap);
}

function summarise(rows: Row[]) {
  const neg = rows.filter((r) => r.label === 'negative');
  const authors = new Set(neg.map((r) => `${r.platform}:${r.authorHandle}`));
  const platforms = new Set(neg.map((r) => r.platform));
  const intensity = neg.length
    ? neg.reduce((a, r) => a + Math.min(1, Math.abs(r.score ?? 0.5)), 0) / neg.length
    : 0;
  const maxFollowers = neg.reduce((a, r) => Math.max(a, r.followers ?? 0), 0);
  const verified = new Set(neg.filter((r) => r.verified).map((r) => r.authorHandle)).size;
  const crisis = neg.reduce((a, r) => Math.max(a, r.crisis ?? 0), 0);
  const reach = neg.reduce((a, r) => a + (r.followers ?? 0), 0);
  return {
    neg,
    authors: authors.size,
    platforms: platforms.size,
    intensity,
    maxFollowers,
    verified,
    crisis,
    reach,
  };
}

/** What `detector_state` holds under `negative-spike:<brandId>`. */
interface SpikeRecord {
  v: 1;
  detector: SpikeDetectorState;
}

export const spikeStateKey = (brandId: string) => `negative-spike:${brandId}`;

/** History replayed into a brand's detector on first use (or when its state is older than this). */
const SPIKE_HISTORY = 8 * WEEK;
/** Signals of buckets fed late (the service was down) still page when the bucket ended this recently. */
const CATCH_UP_HORIZON = 24 * HOUR;
/** The baseline negative share is blended with `priorShare` as if it held this many more mentions. */
const PRIOR_MENTIONS = 20;

/**
 * A brand's persisted spike detector state, if any and of the current format. A state of an older
 * format (detector v2) is not loaded: the rule then replays the brand's history (`SPIKE_HISTORY`)
 * into a fresh detector, which relearns the baseline and re-opens any episode still running, and
 * the next save overwrites the old record.
 */
export async function loadSpikeState(db: DbOrTx, brandId: string): Promise<SpikeDetectorState | undefined> {
  const [r] = await db
    .select({ value: detectorState.value })
    .from(detectorState)
    .where(eq(detectorState.key, spikeStateKey(brandId)))
    .limit(1);
  const v = r?.value as Partial<SpikeRecord> | undefined;
  return v?.v === 1 && v.detector?.v === 3 ? v.detector : undefined;
}

export async function saveSpikeState(db: DbOrTx, brandId: string, state: SpikeDetectorState, now: Date) {
  const value: SpikeRecord = { v: 1, detector: state };
  await db
    .insert(detectorState)
    .values({ key: spikeStateKey(brandId), value, updatedAt: now })
    .onConflictDoUpdate({ target: detectorState.key, set: { value, updatedAt: now } });
}

/** Negative mentions per hourly bucket in [from, to] (bucket starts), from the rollup. */
async function negativesPerHour(db: DbOrTx, brandId: string, from: number, to: number) {
  const rows = await db
    .select({ hour: brandHourly.hour, neg: sum(brandHourly.negative) })
    .from(brandHourly)
    .where(
      and(
        eq(brandHourly.brandId, brandId),
        gte(brandHourly.hour, new Date(from)),
        lte(brandHourly.hour, new Date(to)),
      ),
    )
    .groupBy(brandHourly.hour);
  return new Map(rows.map((r) => [new Date(r.hour).getTime(), Number(r.neg ?? 0)]));
}

async function negativeShareOver(db: DbOrTx, brandId: string, from: Date, to: Date) {
  const [r] = await db
    .select({ neg: sum(brandHourly.negative), total: sum(brandHourly.total) })
    .from(brandHourly)
    .where(and(eq(brandHourly.brandId, brandId), gte(brandHourly.hour, from), lt(brandHourly.hour, to)));
  return { neg: Number(r?.neg ?? 0), total: Number(r?.total ?? 0) };
}

export interface SpikeResult {
  /** Alerts to apply, in order. */
  candidates: Candidate[];
  /** The detector state to persist with them, when it changed (buckets fed or a signal committed). */
  state: SpikeDetectorState | null;
}

/**
 * Negative spike. The production spike detector (`alerts/spike.ts`, the one `npm run bench:alerts`
 * measures) is fed the brand's negative mentions per hourly bucket from the rollup, missing hours
 * as zeros. Settled buckets (ended `settle` ago) are pushed into the persisted state in order;
 * the state remembers the last one (`lastAt`). Buckets not settled yet, the current one included,
 * are evaluated on a copy (`peek`): a partial count is a lower bound of the final one, so firing
 * on it is no look-ahead, and it keeps the latency at one batch. A peek signal that becomes an
 * alert is committed to the state, so the bucket does not open the same episode again when pushed.
 *
 * On top of the detector's signal, in the trailing `window` ending at the bucket's end (or now):
 * at least `minNegative` negatives from `minAuthors` distinct authors, and a negative share of at
 * least its `baselineWeeks` baseline + `minShareRise`. Inside an episode the detector already
 * signalled, an hour in progress that still spikes yields an `inEpisode` candidate (it grows the
 * incident; it opens one only if the episode's opening never passed the gates). Before the
 * detector's warm-up (48 h of history) the cold-start rule applies.
 * The caller persists `state` in the same transaction as the incidents it applies.
 */
export async function detectNegativeSpike(
  db: DbOrTx,
  brandId: string,
  p: RuleParams['negative-spike'],
  now: Date,
): Promise<SpikeResult> {
  if (!p.enabled) return { candidates: [], state: null };
  const params: Partial<SpikeParams> = { ...p.detector, intervalMs: HOUR };
  const nowMs = now.getTime();
  const current = floorHour(nowMs);
  const lastSettled = floorHour(nowMs - p.settle - HOUR);
  let saved = await loadSpikeState(db, brandId);
  // Nothing learnt yet, or too stale to catch up on: replay the history instead.
  if (saved && (saved.n === 0 || saved.lastAt < current - SPIKE_HISTORY)) saved = undefined;
  let from: number;
  if (saved) from = saved.lastAt + HOUR;
  else {
    const [first] = await db
      .select({ at: min(brandHourly.hour) })
      .from(brandHourly)
      .where(eq(brandHourly.brandId, brandId));
    if (!first?.at) return { candidates: [], state: null };
    from = Math.max(floorHour(new Date(first.at).getTime()), current - SPIKE_HISTORY);
  }
  const d = createSpikeDetector(params, saved);
  const counts = await negativesPerHour(db, brandId, from, current);
  const count = (h: number) => counts.get(h) ?? 0;

  const pushed: SpikeSignal[] = [];
  let fed = false;
  for (let h = from; h <= lastSettled; h += HOUR) {
    const sig = d.push(new Date(h), count(h));
    fed = true;
    // A replayed history only teaches the baseline; a late-fed recent bucket still pages.
    if (sig && saved && h + HOUR >= nowMs - CATCH_UP_HORIZON) pushed.push(sig);
  }
  const probe = createSpikeDetector(params, d.state());
  const peeked: SpikeSignal[] = [];
  let live: SpikeCheck | null = null;
  for (let h = Math.max(from, lastSettled + HOUR); h <= current; h += HOUR) {
    const check = probe.peek(new Date(h), count(h));
    probe.push(new Date(h), count(h));
    if (check.signal) peeked.push(check.signal);
    if (h === current) live = check;
  }

  if (!probe.ready(new Date(current))) {
    const c = await coldStartSpike(db, brandId, p, now);
    return { candidates: c ? [c] : [], state: fed ? d.state() : null };
  }
  const candidates: Candidate[] = [];
  for (const sig of pushed) {
    const c = await spikeCandidate(db, brandId, p, sig, now);
    if (c) candidates.push(c);
  }
  let committed = false;
  for (const sig of peeked) {
    const c = await spikeCandidate(db, brandId, p, sig, now);
    if (!c) continue;
    candidates.push(c);
    d.commit(sig);
    committed = true;
  }
  if (live?.spike && !live.signal) {
    const c = await spikeCandidate(db, brandId, p, { ...live.spike, kind: 'escalate' }, now);
    const cooldownHours = p.detector.cooldownHours ?? defaultSpikeParams.cooldownHours;
    if (c) candidates.push({ ...c, inEpisode: { quietMs: cooldownHours * HOUR } });
  }
  return { candidates, state: fed || committed ? d.state() : null };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** The gates over the signal's window, and the candidate they let through. */
async function spikeCandidate(
  db: DbOrTx,
  brandId: string,
  p: RuleParams['negative-spike'],
  sig: SpikeSignal,
  now: Date,
): Promise<Candidate | null> {
  // Buckets are hours; the signal's window (one or more hours) ends with its bucket.
  const bucketEnd = sig.at.getTime() + HOUR;
  const end = Math.min(now.getTime(), bucketEnd);
  const from = new Date(end - p.window);
  const rows = await brandWindow(
    db,
    brandId,
    from,
    new Date(Math.min(now.getTime() + 5 * 60_000, bucketEnd)),
  );
  const s = summarise(rows);
  if (s.neg.length < p.minNegative || s.authors < p.minAuthors) return null;
  const base = await negativeShareOver(
    db,
    brandId,
    new Date(floorHour(from.getTime()) - p.baselineWeeks * WEEK),
    new Date(floorHour(from.getTime())),
  );
  const baseShare = (base.neg + p.priorShare * PRIOR_MENTIONS) / (base.total + PRIOR_MENTIONS);
  const share = s.neg.length / rows.length;
  if (share < baseShare + p.minShareRise) return null;
  const partial = bucketEnd > now.getTime();
  const hours = Math.max(1, Math.round(sig.windowMinutes / 60));
  const windowEnd = new Date(bucketEnd).toISOString().slice(11, 16);
  const span = hours === 1 ? `in the hour to ${windowEnd} UTC` : `in the ${hours} hours to ${windowEnd} UTC`;
  return spikeAlert(brandId, rows, s, sig.ratio, share, baseShare, {
    extraCounts: {
      baselinePerHour: round2(sig.expected / hours),
      observed: round2(sig.value),
      expected: round2(sig.expected),
      z: round2(sig.score),
    },
    extraFactors: [
      {
        name: 'spike-z',
        value: round2(sig.score),
        weight: 0,
        explanation: `spike detector: ${round2(sig.value)} negatives ${span}${partial ? ' (so far)' : ''}, robust z ${round2(sig.score)} against this brand's threshold ${round2(sig.threshold)}`,
      },
      {
        name: 'expected',
        value: round2(sig.expected),
        weight: 0,
        explanation: `${round2(sig.expected)} negatives expected ${span} (learnt level × hour-of-day × day-of-week × hour-of-week profile)`,
      },
    ],
  });
}

type Summary = ReturnType<typeof summarise>;

/** The negative-spike candidate: grading input and counts from the window's mentions plus what was measured. */
function spikeAlert(
  brandId: string,
  rows: Row[],
  s: Summary,
  velocityRatio: number,
  share: number,
  baseShare: number,
  extra: { extraCounts: Record<string, number>; extraFactors: NonNullable<Candidate['extraFactors']> },
): Candidate {
  return {
    brandId,
    rule: 'negative-spike',
    groupKey: `${brandId}:negative-spike`,
    title: 'Negative spike',
    input: {
      negative: s.neg.length,
      velocityRatio,
      negativeShare: share,
      baselineShare: baseShare,
      intensity: s.intensity,
      maxFollowers: s.maxFollowers,
      verifiedAuthors: s.verified,
      platforms: s.platforms,
      ...(s.crisis > 0 ? { crisisScore: s.crisis } : {}),
    },
    mentionIds: s.neg.map((r) => r.id),
    counts: {
      mentions: rows.length,
      negative: s.neg.length,
      authors: s.authors,
      reach: s.reach,
      ...extra.extraCounts,
    },
    extraFactors: extra.extraFactors,
  };
}

/** Cold start: the brand's negatives over the previous day before the window (none: zero, no share). */
async function recentBaseline(db: DbOrTx, brandId: string, now: Date, windowMs: number) {
  const windowStart = floorHour(now.getTime() - windowMs);
  const [first] = await db
    .select({ at: min(brandHourly.hour) })
    .from(brandHourly)
    .where(eq(brandHourly.brandId, brandId));
  const since = first?.at ? new Date(first.at).getTime() : null;
  if (since === null || since >= windowStart) return { perHour: 0, share: undefined as number | undefined };
  const from = new Date(Math.max(since, windowStart - 24 * HOUR));
  const r = await negativeShareOver(db, brandId, from, new Date(windowStart));
  const span = Math.max(1, (windowStart - from.getTime()) / HOUR);
  return { perHour: r.neg / span, share: r.total > 0 ? r.neg / r.total : undefined };
}

/**
 * Before the detector has its warm-up history there is no hour-of-day baseline to measure a
 * surprise against, so a launch day and a crisis look alike: the rule falls back to an absolute
 * test with twice the evidence (`2 × minNegative` negatives from `2 × minAuthors` authors in the
 * window), `ratio` × and `z` Poisson σ above the previous day's rate when there is one, and the
 * negative share up by `minShareRise` over the previous day's (or `priorShare`).
 */
async function coldStartSpike(
  db: DbOrTx,
  brandId: string,
  p: RuleParams['negative-spike'],
  now: Date,
): Promise<Candidate | null> {
  const rows = await brandWindow(
    db,
    brandId,
    new Date(now.getTime() - p.window),
    new Date(now.getTime() + 5 * 60_000),
  );
  const s = summarise(rows);
  const minNegative = 2 * p.minNegative;
  const minAuthors = 2 * p.minAuthors;
  if (s.neg.length < minNegative || s.authors < minAuthors) return null;
  const base = await recentBaseline(db, brandId, now, p.window);
  const windowHours = p.window / HOUR;
  const expected = base.perHour * windowHours;
  const ratio = s.neg.length / windowHours / Math.max(base.perHour, 1 / windowHours);
  if (s.neg.length < p.ratio * expected || s.neg.length < expected + p.z * Math.sqrt(Math.max(expected, 1)))
    return null;
  const share = s.neg.length / rows.length;
  const baseShare = base.share ?? p.priorShare;
  if (share < baseShare + p.minShareRise) return null;
  return spikeAlert(brandId, rows, s, ratio, share, baseShare, {
    extraCounts: { baselinePerHour: round2(base.perHour) },
    extraFactors: [
      {
        name: 'cold-start',
        value: base.share === undefined ? 'no history' : 'previous day',
        weight: 0,
        explanation: `under 48 h of history: at least ${minNegative} negatives from ${minAuthors} authors, against ${base.share === undefined ? 'no baseline yet' : "the previous day's rate"}`,
      },
    ],
  });
}

/**
 * Negative mentions of this batch toward a brand, with author fields; with `orCrisisAtLeast`,
 * also mentions of any label whose crisis score reaches it.
 */
async function batchNegatives(db: DbOrTx, ids: readonly string[], orCrisisAtLeast?: number) {
  if (ids.length === 0) return [];
  const out: (Row & {
    brandId: string;
    likes: number | null;
    shares: number | null;
    replies: number | null;
    publishedAt: Date;
    collectedAt: Date;
  })[] = [];
  for (let i = 0; i < ids.length; i += 1000) {
    const part = ids.slice(i, i + 1000);
    out.push(
      ...(await db
        .select({
          ...rowCols,
          brandId: mentionBrands.brandId,
          likes: mentions.likes,
          shares: mentions.shares,
          replies: mentions.replies,
          publishedAt: mentions.publishedAt,
          collectedAt: mentions.collectedAt,
        })
        .from(mentionBrands)
        .innerJoin(mentions, eq(mentions.id, mentionBrands.mentionId))
        .where(
          and(
            inArray(mentionBrands.mentionId, part),
            orCrisisAtLeast === undefined
              ? eq(mentionBrands.sentimentLabel, 'negative')
              : or(eq(mentionBrands.sentimentLabel, 'negative'), gte(mentions.crisisScore, orCrisisAtLeast)),
          ),
        )),
    );
  }
  return out;
}

function hostOf(url: string | null): string | null {
  if (!url) return null;
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * Influential negative: a negative mention, or one with crisis language (`minCrisisScore`)
 * whatever its sentiment, by a high-reach or verified author, or from an authoritative site.
 * The crisis score and the author's reach enter the grade (crisis, intensity, and the audience
 * as volume).
 */
export async function detectInfluential(
  db: DbOrTx,
  ids: readonly string[],
  params: (brandId: string) => RuleParams['influential-negative'] | null,
): Promise<Candidate[]> {
  const out: Candidate[] = [];
  // One query at the lowest crisis threshold any brand uses; each brand's own is applied below.
  const candidates = await batchNegatives(db, ids, 0);
  for (const r of candidates) {
    const p = params(r.brandId);
    if (!p?.enabled) continue;
    const crisis = r.crisis ?? 0;
    const crisisPost = p.minCrisisScore < 1 && crisis >= p.minCrisisScore;
    if (r.label !== 'negative' && !crisisPost) continue;
    const host = hostOf(r.url);
    const site = host
      ? p.authoritativeSites.find((s) => host === s.toLowerCase() || host.endsWith(`.${s.toLowerCase()}`))
      : undefined;
    const f = r.followers ?? 0;
    if (!(f >= p.minFollowers || (r.verified && f >= p.verifiedMinFollowers) || site)) continue;
    out.push({
      brandId: r.brandId,
      rule: 'influential-negative',
      groupKey: `${r.brandId}:influential-negative:${r.storyId}`,
      title: `Influential negative post by @${r.authorHandle}`,
      input: {
        negative: 1,
        // A borderline sentiment score does not make a crisis post mild.
        intensity: Math.min(
          1,
          Math.max(r.label === 'negative' ? Math.abs(r.score ?? 0.5) : 0, crisisPost ? crisis : 0),
        ),
        maxFollowers: f,
        verifiedAuthors: r.verified ? 1 : 0,
        ...(site ? { authoritativeSite: site } : {}),
        platforms: 1,
        ...(r.crisis ? { crisisScore: r.crisis, reach: f } : {}),
      },
      mentionIds: [r.id],
      counts: { mentions: 1, negative: 1, authors: 1, reach: f },
    });
  }
  return out;
}

/** With one snapshot, the average engagement since publication is trusted for posts collected this soon after publication. */
const FRESH_WITHIN = HOUR;

const engagementOf = (m: { likes: number | null; shares: number | null; replies: number | null }) =>
  (m.likes ?? 0) + 2 * (m.shares ?? 0) + (m.replies ?? 0);

/**
 * Viral negative: a negative mention whose engagement grows faster than the threshold across
 * re-polls (the last two snapshots; with one, the average since publication).
 */
export async function detectViral(
  db: DbOrTx,
  updatedIds: readonly string[],
  params: (brandId: string) => RuleParams['viral-negative'] | null,
  now: Date,
): Promise<Candidate[]> {
  const out: Candidate[] = [];
  for (const r of await batchNegatives(db, updatedIds)) {
    const p = params(r.brandId);
    if (!p?.enabled) continue;
    const snaps = await db
      .select()
      .from(metricSnapshots)
      .where(eq(metricSnapshots.mentionId, r.id))
      .orderBy(desc(metricSnapshots.at))
      .limit(2);
    const last = snaps[0];
    if (!last) continue;
    const current = engagementOf(last);
    if (current < p.minEngagement) continue;
    let perHour: number;
    const prev = snaps[1];
    if (prev)
      perHour =
        (current - engagementOf(prev)) / Math.max((last.at.getTime() - prev.at.getTime()) / HOUR, 1 / 60);
    else {
      // The counts a post had when first collected are not snapshotted, so with one snapshot the
      // average since publication stands in, but only for a post collected soon after it was
      // published: a backfilled post that is large but no longer growing is not viral. Such a
      // post is judged on its next re-poll, between two snapshots.
      if (r.collectedAt.getTime() - r.publishedAt.getTime() > FRESH_WITHIN) continue;
      perHour = current / Math.max((last.at.getTime() - r.publishedAt.getTime()) / HOUR, 1 / 60);
    }
    if (perHour < p.minVelocityPerHour) continue;
    out.push({
      brandId: r.brandId,
      rule: 'viral-negative',
      groupKey: `${r.brandId}:viral-negative:${r.storyId}`,
      title: `Viral negative post by @${r.authorHandle}`,
      input: {
        negative: 1,
        engagementPerHour: perHour,
        intensity: Math.min(1, Math.abs(r.score ?? 0.5)),
        maxFollowers: r.followers ?? 0,
        platforms: 1,
        ...(r.crisis ? { crisisScore: r.crisis } : {}),
      },
      mentionIds: [r.id],
      counts: { mentions: 1, negative: 1, authors: 1, engagement: current, reach: r.followers ?? 0 },
    });
  }
  void now;
  return out;
}

/** The crisis categories a mention's stored classifier records carry. */
function crisisCategories(classifications: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const rec of Object.values(classifications ?? {})) {
    const signals = (rec as { crisis?: { signals?: { category?: unknown }[] } } | null)?.crisis?.signals;
    if (Array.isArray(signals))
      for (const s of signals) if (typeof s?.category === 'string') out.push(s.category);
  }
  return out;
}

/** Crisis language: crisis-signal mentions about a brand from at least `minAuthors` authors within the window, grouped by category. */
export async function detectCrisis(
  db: DbOrTx,
  brandId: string,
  p: RuleParams['crisis-language'],
  now: Date,
): Promise<Candidate | null> {
  if (!p.enabled) return null;
  const rows = await db
    .select({ ...rowCols, classifications: mentions.classifications })
    .from(mentionBrands)
    .innerJoin(mentions, eq(mentions.id, mentionBrands.mentionId))
    .where(
      and(
        eq(mentionBrands.brandId, brandId),
        gte(mentionBrands.publishedAt, new Date(now.getTime() - p.window)),
        gte(mentions.crisisScore, p.minScore),
      ),
    )
    .orderBy(desc(mentions.crisisScore))
    .limit(2000);
  const authors = new Set(rows.map((r) => `${r.platform}:${r.authorHandle}`));
  if (authors.size < p.minAuthors) return null;
  const tally = new Map<string, number>();
  for (const r of rows)
    for (const c of new Set(crisisCategories(r.classifications))) tally.set(c, (tally.get(c) ?? 0) + 1);
  const category =
    [...tally.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? 'general';
  const s = summarise(rows.map((r) => ({ ...r, label: 'negative' })));
  return {
    brandId,
    rule: 'crisis-language',
    groupKey: `${brandId}:crisis-language:${category}`,
    title: `Crisis language (${category})`,
    input: {
      negative: rows.length,
      crisisScore: s.crisis,
      crisisAuthors: authors.size,
      intensity: s.intensity,
      maxFollowers: s.maxFollowers,
      verifiedAuthors: s.verified,
      platforms: s.platforms,
    },
    mentionIds: rows.map((r) => r.id),
    counts: {
      mentions: rows.length,
      negative: rows.filter((r) => r.label === 'negative').length,
      authors: authors.size,
      reach: s.reach,
    },
  };
}

/** Sentiment drop: net sentiment ((pos − neg) / total) over the last day against the previous `baselineDays`, from the rollup. */
export async function detectSentimentDrop(
  db: DbOrTx,
  brandId: string,
  p: RuleParams['sentiment-drop'],
  now: Date,
): Promise<Candidate | null> {
  if (!p.enabled) return null;
  const dayStart = new Date(floorHour(now.getTime()) - 23 * HOUR);
  const baseStart = new Date(dayStart.getTime() - p.baselineDays * 24 * HOUR);
  const agg = async (from: Date, to: Date) => {
    const [r] = await db
      .select({
        pos: sum(brandHourly.positive),
        neg: sum(brandHourly.negative),
        total: sum(brandHourly.total),
      })
      .from(brandHourly)
      .where(and(eq(brandHourly.brandId, brandId), gte(brandHourly.hour, from), lt(brandHourly.hour, to)));
    return { pos: Number(r?.pos ?? 0), neg: Number(r?.neg ?? 0), total: Number(r?.total ?? 0) };
  };
  const cur = await agg(dayStart, new Date(now.getTime() + HOUR));
  const base = await agg(baseStart, dayStart);
  if (cur.total < p.minMentions || base.total < p.minMentions) return null;
  const netNow = (cur.pos - cur.neg) / cur.total;
  const netBase = (base.pos - base.neg) / base.total;
  if (netBase - netNow < p.minDrop) return null;
  const rows = (await brandWindow(db, brandId, dayStart, now, 5000)).filter((r) => r.label === 'negative');
  rows.sort((a, b) => (b.followers ?? 0) - (a.followers ?? 0));
  const s = summarise(rows);
  return {
    brandId,
    rule: 'sentiment-drop',
    groupKey: `${brandId}:sentiment-drop`,
    title: 'Net sentiment drop',
    input: {
      negative: cur.neg,
      negativeShare: cur.neg / cur.total,
      baselineShare: base.neg / base.total,
      intensity: s.intensity,
      platforms: s.platforms,
      maxFollowers: s.maxFollowers,
    },
    mentionIds: rows.slice(0, 50).map((r) => r.id),
    counts: { mentions: cur.total, negative: cur.neg, authors: s.authors, reach: s.reach },
    extraFactors: [
      {
        name: 'net-sentiment',
        value: Math.round(netNow * 100) / 100,
        weight: 0,
        explanation: `net sentiment ${Math.round(netNow * 100)} over the last day vs ${Math.round(netBase * 100)} over the previous ${p.baselineDays} days`,
      },
    ],
  };
}

/** Mentions quoted in a notification: the incident's negative mentions, widest reach first. */
export async function topMentions(db: DbOrTx, ids: readonly string[], limit = 5) {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(mentions)
    .where(inArray(mentions.id, ids.slice(0, 5000)))
    .orderBy(sql`coalesce(${mentions.authorFollowers}, 0) desc`, asc(mentions.publishedAt))
    .limit(limit);
}
