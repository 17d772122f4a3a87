/**
 * The production volume-spike detector: streaming, no look-ahead, pure (times are injected, no
 * clock is read), plain-JSON state. docs/spike-detector.md gives every constant with its reason.
 *
 * Transform. Values are compared on `y = asinh(x / c)`, where `c` is the series' own scale (the
 * mean |x| of its warm-up, at least `pseudoCount`): about `ln(2x / c)` well above `c`, so a
 * residual there is a log ratio and the detector is scale-free, and linear near 0, so zeros,
 * small counts and negative values stay finite.
 *
 * Baseline. `expected y = level + day[hour] + week[weekday] + hourOfWeek[hour, weekday]`, all
 * learnt online in the brand's local time: an EWMA level, an hour-of-day and a day-of-week profile
 * (31 numbers, usable after days) and an hour-of-week interaction that is shrunk towards 0 until
 * its slot has been seen `hourOfWeekPrior` times (a Saturday night is not a Tuesday night, but it
 * takes weeks to know). Every update is winsorised at `clipZ` σ, so a spike or an outage moves the
 * baseline by a bounded step.
 *
 * Surprise. The residual `r = y − expected` is averaged at each time scale (`scalesMinutes`:
 * one bucket, an hour, six hours; EWMAs over time, so gaps and irregular sampling are handled),
 * and each average gets a robust z from its own online bias and spread (winsorised EW mean
 * absolute deviation): a 6-hour drift and a 5-minute burst are each measured against their own
 * noise.
 *
 * Threshold. Each scale and direction (rises; falls too with `direction: 'both'`) is its own
 * feature with its own alert budget: the feature fires when its z exceeds the `thresholdQuantile`
 * quantile of its own daily maxima over the last `thresholdDays` local days (and at least
 * `zOpen`). A bursty series needs a larger surprise, a regular one a smaller; on a stationary
 * series a feature opens on noise about one day in `1 / (1 − quantile)`.
 *
 * Alert. The mention-count gates (`minExcess`, `minRatio`) then ask for a material rise. The
 * first firing bucket opens an episode ('open'); the episode lasts `cooldownHours` past the last
 * firing bucket, and inside it only a shift `escalateRatio` times larger than the largest seen
 * signals again ('escalate'). So one anomaly pages once, and again only when it gets markedly worse.
 *
 * Two profiles: `alert` (the negative-spike rule and `earshot detect` on counts: rises only, the
 * gates, a 48 h warm-up, day-long episodes) and `raw` (the core model on any metric: both
 * directions, no gates, a 24 h warm-up, 6 h episodes).
 *
 * @example
 * const d = createSpikeDetector({}, loadState());
 * const signal = d.push(bucketStart, negativeCount);
 * if (signal) raise(signal);
 * saveState(d.state()); // plain JSON
 */
export interface SpikeParams {
  /** Bucket length in ms; 0 = infer (the median of the first gaps between pushes). */
  intervalMs: number;
  /** Offset of the brand's local time from UTC, minutes; used when `timeZone` is not set. */
  utcOffsetMinutes: number;
  /** IANA time zone of the brand (`Europe/Paris`): local hour and weekday, DST-correct. */
  timeZone?: string;
  /** 'up': only rises are anomalies (mention counts); 'both': rises and falls (any metric). */
  direction: 'up' | 'both';
  /** History needed before any signal, hours. */
  warmupHours: number;
  /** Half-life of the level, hours. */
  levelHalfLifeHours: number;
  /** Half-life of the hour-of-day profile, days. */
  dayProfileHalfLifeDays: number;
  /** Half-life of the day-of-week and hour-of-week profiles, weeks; 0 disables both. */
  weekProfileHalfLifeWeeks: number;
  /** Weekly visits an hour-of-week slot needs before its own shape weighs as much as the prior (0 = off). */
  hourOfWeekPrior: number;
  /** Half-life of the learnt bias and spread of each scale, days. */
  spreadHalfLifeDays: number;
  /** Time scales of the residual averages, minutes; 0 (or anything up to a bucket) = one bucket. */
  scalesMinutes: number[];
  /** Floor of every feature's threshold (robust z). */
  zOpen: number;
  /** A feature fires above this quantile of its own daily maxima (the alert budget). */
  thresholdQuantile: number;
  /** Local days of daily maxima kept per feature. */
  thresholdDays: number;
  /** Minimum (observed + p) / (expected + p) at the firing scale (p = `pseudoCount`); 0 = no gate. */
  minRatio: number;
  /** Minimum excess over expected in the firing scale's window (per hour for windows over an hour); 0 = no gate. */
  minExcess: number;
  /** Floor of the transform scale `c`, and the pseudo-count of the reported ratio (1 for counts). */
  pseudoCount: number;
  /** Winsorisation of every update, in σ. */
  clipZ: number;
  /** Floor of σ in transformed units (≈ a 2% relative spread), so a flat series does not fire on noise. */
  minSigma: number;
  /** Quiet hours after the last firing bucket before a new episode can open. */
  cooldownHours: number;
  /** Inside an episode, a shift this many times the largest one seen escalates. */
  escalateRatio: number;
}

/** Settings shared by both profiles: the core model. */
const core = {
  intervalMs: 0,
  utcOffsetMinutes: 0,
  levelHalfLifeHours: 12,
  dayProfileHalfLifeDays: 7,
  weekProfileHalfLifeWeeks: 4,
  hourOfWeekPrior: 2,
  spreadHalfLifeDays: 7,
  scalesMinutes: [0, 60, 360],
  zOpen: 4,
  thresholdQuantile: 0.9,
  thresholdDays: 28,
  clipZ: 3,
  minSigma: 0.02,
  escalateRatio: 2,
} as const;

export type SpikeProfile = 'alert' | 'raw';

/** The two measured profiles (docs/spike-detector.md). */
export const spikeProfiles: Readonly<Record<SpikeProfile, Readonly<SpikeParams>>> = Object.freeze({
  alert: Object.freeze({
    ...core,
    scalesMinutes: [...core.scalesMinutes],
    direction: 'up',
    thresholdQuantile: 0.95,
    warmupHours: 48,
    minRatio: 2,
    minExcess: 10,
    pseudoCount: 1,
    cooldownHours: 24,
  }),
  raw: Object.freeze({
    ...core,
    scalesMinutes: [...core.scalesMinutes],
    direction: 'both',
    warmupHours: 24,
    minRatio: 0,
    minExcess: 0,
    pseudoCount: 0,
    cooldownHours: 6,
  }),
});

/** What the negative-spike rule uses: the `alert` profile. */
export const defaultSpikeParams: Readonly<SpikeParams> = spikeProfiles.alert;

export interface SpikeSignal {
  at: Date;
  kind: 'open' | 'escalate';
  /** 'up' for a rise, 'down' for a fall (only with `direction: 'both'`). */
  direction: 'up' | 'down';
  /** Observed total in the firing scale's window (an EW average times the window's buckets). */
  value: number;
  /** What the baseline expected in that window. */
  expected: number;
  /** Robust z of the firing feature. */
  score: number;
  /** The feature's threshold at that moment (the signal has `score ≥ threshold`). */
  threshold: number;
  /** (value + p) / (expected + p), p = `pseudoCount`. */
  ratio: number;
  /**
   * The largest mean residual among the scales firing in this bucket, signed, in transformed units
   * (≈ ln of the observed/expected ratio well above the series' scale): what escalation compares.
   */
  shift: number;
  /** Length of the firing scale's window, minutes. */
  windowMinutes: number;
}

/** Everything the detector knows; plain JSON, so it can be persisted between runs. */
export interface SpikeDetectorState {
  v: 3;
  intervalMs: number;
  /** The first gaps between pushes while the interval is being inferred. */
  gaps: number[];
  n: number;
  firstAt: number;
  lastAt: number;
  /** Transform scale c, and the sum of |x| it is taken from until the warm-up ends (then null). */
  scale: number;
  scaleSum: number | null;
  level: number;
  day: number[];
  dayN: number[];
  week: number[];
  weekN: number[];
  hourOfWeek: number[];
  hourOfWeekN: number[];
  /** Per scale: EW averages of the residual, the value and the expected value. */
  resid: number[];
  obs: number[];
  exp: number[];
  /** Per scale: learnt bias and mean absolute deviation of the residual average; updates seen. */
  bias: number[];
  spread: number[];
  spreadN: number;
  /** Per feature (scale × direction): threshold, today's maximum, the last days' maxima. */
  threshold: number[];
  dayMax: (number | null)[];
  dailyMax: number[][];
  /** Local day number of `dayMax`. */
  day0: number;
  episodeUntil: number;
  /** Largest |shift| seen in the episode, and its direction (1 up, −1 down). */
  episodeShift: number;
  episodeDir: number;
}

/** What the detector makes of one bucket (`peek`), without learning from it. */
export interface SpikeCheck {
  /** What `push` would return for this bucket: an opening or an escalation, else null. */
  signal: SpikeSignal | null;
  /**
   * The strongest firing feature of this bucket even when it does not signal (inside an episode, a
   * spike that is not markedly worse than the largest one stays quiet); null when nothing fires or
   * during the warm-up.
   */
  spike: Omit<SpikeSignal, 'kind'> | null;
}

export interface SpikeDetector {
  /** Learn from a completed bucket; returns an opening or escalation signal, else null. */
  push(at: Date, value: number): SpikeSignal | null;
  /**
   * Evaluate a bucket without changing the state: what `push` would say if the bucket ended with
   * this count. For an in-progress bucket the count so far is a lower bound of the final one, and
   * with `direction: 'up'` every test rises with the count, so a signal on it is no look-ahead.
   */
  peek(at: Date, value: number): SpikeCheck;
  /**
   * Record a signal from `peek` that was acted on as reported: the episode starts (or its reference
   * shift rises) at once, so pushing that bucket later does not open the same episode again.
   */
  commit(signal: SpikeSignal): void;
  /** Whether a bucket starting at `at` would be past the warm-up (signals are possible). */
  ready(at: Date): boolean;
  state(): SpikeDetectorState;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Mean absolute deviation → σ for a normal distribution. */
const MAD_TO_SIGMA = 1.2533;
/** Residual updates a scale's spread needs before its z counts towards the daily maxima. */
const MIN_SPREAD_UPDATES = 24;
/** Gaps kept to infer the bucket length (their median). */
const INTERVAL_SAMPLES = 16;

/**
 * Visits of a flat profile an hour-of-day or day-of-week slot starts from: its first visit weighs
 * half, so one unusual first Sunday is not learnt as "Sundays are like this".
 */
const PROFILE_PRIOR = 1;
/**
 * Learning rate of a profile slot: an EWMA with a half-life of `halfLife` visits (`visitObs`
 * observations each), starting as a mean shrunk towards 0 as if `prior` visits of 0 came first.
 */
const profileAlpha = (halfLife: number, visitObs: number, seen: number, prior: number) =>
  Math.max(1 - 2 ** (-1 / Math.max(1, halfLife * visitObs)), 1 / (seen + 1 + prior * visitObs));

/** EWMA weight for a half-life in updates, starting as a running mean. */
const alphaFor = (halfLifeUpdates: number, seen: number) =>
  Math.max(1 - 2 ** (-1 / Math.max(1, halfLifeUpdates)), 1 / (seen + 1));

function freshState(p: SpikeParams): SpikeDetectorState {
  const k = p.scalesMinutes.length;
  const f = k * (p.direction === 'both' ? 2 : 1);
  return {
    v: 3,
    intervalMs: p.intervalMs,
    gaps: [],
    n: 0,
    firstAt: 0,
    lastAt: 0,
    scale: 1,
    scaleSum: 0,
    level: 0,
    day: new Array<number>(24).fill(0),
    dayN: new Array<number>(24).fill(0),
    week: new Array<number>(7).fill(0),
    weekN: new Array<number>(7).fill(0),
    hourOfWeek: new Array<number>(168).fill(0),
    hourOfWeekN: new Array<number>(168).fill(0),
    resid: new Array<number>(k).fill(0),
    obs: new Array<number>(k).fill(0),
    exp: new Array<number>(k).fill(0),
    bias: new Array<number>(k).fill(0),
    spread: new Array<number>(k).fill(0),
    spreadN: 0,
    threshold: new Array<number>(f).fill(p.zOpen),
    dayMax: new Array<number | null>(f).fill(null),
    dailyMax: Array.from({ length: f }, () => []),
    day0: 0,
    episodeUntil: 0,
    episodeShift: 0,
    episodeDir: 0,
  };
}

/**
 * A detector over one series. `params` override a profile's settings (`profile`, default
 * `alert`); a saved state must come from the same settings' shape (scales, direction).
 */
export function createSpikeDetector(
  params: Partial<SpikeParams> & { profile?: SpikeProfile } = {},
  saved?: SpikeDetectorState,
): SpikeDetector {
  const { profile = 'alert', ...over } = params;
  const p: SpikeParams = { ...spikeProfiles[profile], ...over };
  const clock = localClock(p);
  if (saved && saved.v !== 3) throw new Error(`spike detector state version ${String(saved.v)} is not 3`);
  const s: SpikeDetectorState = saved ? cloneState(saved) : freshState(p);
  if (s.resid.length !== p.scalesMinutes.length || s.threshold.length !== features(p).length)
    throw new Error('spike detector state does not match the scales and direction it is used with');
  return {
    push: (at, value) => step(s, p, clock, at.getTime(), value).signal,
    peek: (at, value) => step(cloneState(s), p, clock, at.getTime(), value),
    commit(signal) {
      const t = signal.at.getTime();
      const dir = signal.direction === 'up' ? 1 : -1;
      const mag = Math.abs(signal.shift);
      s.episodeShift = signal.kind === 'open' || dir !== s.episodeDir ? mag : Math.max(s.episodeShift, mag);
      s.episodeDir = dir;
      s.episodeUntil = Math.max(s.episodeUntil, t + p.cooldownHours * HOUR);
    },
    ready: (at) => s.n > 0 && at.getTime() - s.firstAt >= p.warmupHours * HOUR,
    state: () => cloneState(s),
  };
}

/** A deep copy of the state (its arrays are flat, or arrays of flat arrays): much cheaper than structuredClone. */
function cloneState(s: SpikeDetectorState): SpikeDetectorState {
  const out = { ...s };
  for (const [k, v] of Object.entries(s)) {
    if (Array.isArray(v))
      (out as Record<string, unknown>)[k] = v.map((x: unknown) => (Array.isArray(x) ? [...x] : x));
  }
  return out;
}

/** Features: scale index and sign (1 = rises, −1 = falls). */
function features(p: SpikeParams): { k: number; dir: 1 | -1 }[] {
  const out: { k: number; dir: 1 | -1 }[] = p.scalesMinutes.map((_, k) => ({ k, dir: 1 as const }));
  if (p.direction === 'both') for (let k = 0; k < p.scalesMinutes.length; k++) out.push({ k, dir: -1 });
  return out;
}

interface LocalTime {
  hour: number;
  weekday: number;
  dayNo: number;
}
type Clock = (t: number) => LocalTime;

/** One formatter per zone: building one costs far more than a detector's whole hourly step. */
const zoneFormats = new Map<string, Intl.DateTimeFormat>();
function zoneFormat(timeZone: string): Intl.DateTimeFormat {
  let f = zoneFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    zoneFormats.set(timeZone, f);
  }
  return f;
}

/** Local hour, weekday (0 = Sunday) and day number: a fixed offset, or an IANA zone via Intl. */
function localClock(p: SpikeParams): Clock {
  const fromLocal = (local: number): LocalTime => {
    const dayNo = Math.floor(local / DAY);
    return {
      hour: Math.floor((local - dayNo * DAY) / HOUR),
      weekday: (((dayNo + 4) % 7) + 7) % 7, // 1970-01-01 was a Thursday
      dayNo,
    };
  };
  if (!p.timeZone) {
    const off = p.utcOffsetMinutes * MIN;
    return (t) => fromLocal(t + off);
  }
  const fmt = zoneFormat(p.timeZone);
  // Zone transitions fall on quarter hours in UTC, so the offset is constant inside one.
  const QUARTER = 15 * MIN;
  let cachedQuarter = Number.NaN;
  let cachedOffset = 0;
  return (t) => {
    const q = Math.floor(t / QUARTER);
    if (q !== cachedQuarter) {
      const parts: Record<string, number> = {};
      for (const part of fmt.formatToParts(new Date(q * QUARTER))) parts[part.type] = Number(part.value);
      const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!);
      cachedOffset = wall - q * QUARTER;
      cachedQuarter = q;
    }
    return fromLocal(t + cachedOffset);
  };
}

function quantile(xs: readonly number[], q: number): number {
  const a = [...xs].sort((u, v) => u - v);
  const pos = q * (a.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(a.length - 1, lo + 1);
  return a[lo]! + (pos - lo) * (a[hi]! - a[lo]!);
}

/** One bucket: score it against the baseline, then learn from it. Mutates `s`. */
function step(s: SpikeDetectorState, p: SpikeParams, clock: Clock, t: number, x: number): SpikeCheck {
  const quiet: SpikeCheck = { signal: null, spike: null };
  if (!Number.isFinite(x) || !Number.isFinite(t)) return quiet;
  let dt = 0;
  if (s.n > 0) {
    if (t <= s.lastAt) return quiet; // out of order or duplicate bucket: ignored
    dt = t - s.lastAt;
    // A 1 ms gap is a repeated timestamp (see detectSeries), not the sampling interval.
    if (!p.intervalMs && s.gaps.length < INTERVAL_SAMPLES && dt > 1) {
      s.gaps.push(dt);
      const g = [...s.gaps].sort((a, b) => a - b);
      s.intervalMs = g[(g.length - 1) >> 1]!;
    }
  } else s.firstAt = t;
  s.lastAt = t;
  s.n++;
  const warm = t - s.firstAt >= p.warmupHours * HOUR;
  // The transform scale: the mean |x| of the warm-up (longer if the warm-up was all zeros).
  if (s.scaleSum !== null) {
    s.scaleSum += Math.abs(x);
    s.scale = Math.max(p.pseudoCount, s.scaleSum / s.n, Number.MIN_VALUE);
    if (warm && s.scaleSum > 0) s.scaleSum = null;
  }
  const c = s.scale;
  const y = Math.asinh(x / c);
  const local = clock(t);
  if (s.n === 1 || !s.intervalMs) {
    s.level = y;
    s.day0 = local.dayNo;
    return quiet;
  }
  const I = s.intervalMs;
  const dEff = Math.max(dt, I);
  const perHour = HOUR / I;
  const { hour: h, weekday: wd } = local;
  const hw = wd * 24 + h;
  const weekly = p.weekProfileHalfLifeWeeks > 0;
  const dayF = s.day[h]!;
  const weekF = weekly ? s.week[wd]! : 0;
  const howF = weekly && p.hourOfWeekPrior > 0 ? s.hourOfWeek[hw]! : 0;
  const e = s.level + dayF + weekF + howF;
  const r = y - e;
  const eRaw = c * Math.sinh(e);

  // Residual averages per scale and their robust z.
  const K = p.scalesMinutes.length;
  const z: number[] = new Array<number>(K);
  const sigma: number[] = new Array<number>(K);
  for (let k = 0; k < K; k++) {
    const span = p.scalesMinutes[k]! * MIN;
    const beta = span <= I ? 1 : Math.min(1, 2 / (span / dEff + 1));
    s.resid[k] = s.resid[k]! + beta * (r - s.resid[k]!);
    s.obs[k] = s.obs[k]! + beta * (x - s.obs[k]!);
    s.exp[k] = s.exp[k]! + beta * (eRaw - s.exp[k]!);
    sigma[k] = Math.max(p.minSigma, s.spread[k]! * MAD_TO_SIGMA);
    z[k] = s.spreadN > 0 ? (s.resid[k]! - s.bias[k]!) / sigma[k]! : 0;
  }

  // Daily maxima per feature (from the first usable z on, warm-up included: an immature baseline
  // inflates them, which keeps the first days conservative) and the thresholds they set.
  const feats = features(p);
  if (local.dayNo !== s.day0) {
    for (let j = 0; j < feats.length; j++) {
      const m = s.dayMax[j];
      if (m !== null && m !== undefined) {
        const list = s.dailyMax[j]!;
        list.push(Math.round(m * 1000) / 1000);
        while (list.length > p.thresholdDays) list.shift();
        s.threshold[j] = Math.max(p.zOpen, list.length >= 2 ? quantile(list, p.thresholdQuantile) : 0);
      }
      s.dayMax[j] = null;
    }
    s.day0 = local.dayNo;
  }
  const scored = s.spreadN >= MIN_SPREAD_UPDATES;
  let best: Omit<SpikeSignal, 'kind'> | null = null;
  let bestRel = 0;
  // Largest |mean residual| among the firing features per direction, and that feature's reading.
  const maxShift = [0, 0];
  const widest: (Omit<SpikeSignal, 'kind'> | null)[] = [null, null];
  for (let j = 0; j < feats.length; j++) {
    const { k, dir } = feats[j]!;
    const m = dir * z[k]!;
    if (scored) s.dayMax[j] = Math.max(s.dayMax[j] ?? Number.NEGATIVE_INFINITY, m);
    const thr = s.threshold[j]!;
    if (!warm || !scored || m < thr) continue;
    const span = p.scalesMinutes[k]! * MIN;
    const buckets = Math.max(1, span / I);
    const value = s.obs[k]! * buckets;
    const expected = s.exp[k]! * buckets;
    const pc = p.pseudoCount;
    const ratio = (value + pc) / Math.max(expected + pc, Number.MIN_VALUE);
    if (p.minRatio > 0 && ratio < p.minRatio) continue;
    if (p.minExcess > 0 && (value - expected) / Math.max(1, span / HOUR) < p.minExcess) continue;
    const rel = m / thr;
    const d = dir === 1 ? 0 : 1;
    const cand = (): Omit<SpikeSignal, 'kind'> => ({
      at: new Date(t),
      direction: dir === 1 ? 'up' : 'down',
      value,
      expected,
      score: m,
      threshold: thr,
      ratio,
      shift: s.resid[k]!,
      windowMinutes: Math.max(span, I) / MIN,
    });
    if (Math.abs(s.resid[k]!) > maxShift[d]!) {
      maxShift[d] = Math.abs(s.resid[k]!);
      widest[d] = cand();
    }
    if (rel > bestRel) {
      bestRel = rel;
      best = cand();
    }
  }

  let signal: SpikeSignal | null = null;
  if (best) {
    const dir = best.direction === 'up' ? 1 : -1;
    // Escalation compares the largest shift among the firing scales, so a burst that the slow
    // scales only start to see still counts at its full size.
    const mag = maxShift[dir === 1 ? 0 : 1]!;
    best.shift = dir * mag;
    if (t > s.episodeUntil || dir !== s.episodeDir) {
      signal = { ...best, kind: 'open' };
      s.episodeShift = mag;
    } else if (mag >= s.episodeShift + Math.log(p.escalateRatio)) {
      // Reported at the scale that got markedly worse.
      signal = { ...(widest[dir === 1 ? 0 : 1] ?? best), shift: dir * mag, kind: 'escalate' };
      s.episodeShift = mag;
    } else s.episodeShift = Math.max(s.episodeShift, mag);
    s.episodeDir = dir;
    s.episodeUntil = Math.max(s.episodeUntil, t + p.cooldownHours * HOUR);
  }

  // Learn each scale's bias and spread (winsorised, so spikes do not widen them).
  const aS = alphaFor(p.spreadHalfLifeDays * 24 * perHour, s.spreadN);
  for (let k = 0; k < K; k++) {
    const lim = p.clipZ * sigma[k]!;
    const a = s.resid[k]!;
    const b = s.bias[k]!;
    const dev = s.spreadN > 0 ? Math.min(Math.abs(a - b), lim) : Math.abs(a);
    s.spread[k] = s.spread[k]! + aS * (dev - s.spread[k]!);
    const ac = s.spreadN > 0 ? Math.max(b - lim, Math.min(b + lim, a)) : a;
    s.bias[k] = b + aS * (ac - b);
  }
  s.spreadN++;

  // Baseline update with the residual clipped to ±clipZ σ of the one-bucket scale.
  const lim0 = p.clipZ * sigma[0]!;
  const yc = e + (s.n <= 3 ? r : Math.max(-lim0, Math.min(lim0, r)));
  s.level += alphaFor(p.levelHalfLifeHours * perHour, s.n - 2) * (yc - e);
  const aD = profileAlpha(p.dayProfileHalfLifeDays, perHour, s.dayN[h]!, PROFILE_PRIOR);
  s.day[h] = dayF + aD * (yc - s.level - weekF - howF - dayF);
  s.dayN[h]!++;
  s.level += centre(s.day, s.dayN);
  if (weekly) {
    const aW = profileAlpha(p.weekProfileHalfLifeWeeks, 24 * perHour, s.weekN[wd]!, PROFILE_PRIOR);
    s.week[wd] = weekF + aW * (yc - s.level - s.day[h]! - howF - weekF);
    s.weekN[wd]!++;
    s.level += centre(s.week, s.weekN);
    if (p.hourOfWeekPrior > 0) {
      // Shrunk towards 0: the first visits of a slot count as if `hourOfWeekPrior` visits of 0 came first.
      const seen = s.hourOfWeekN[hw]!;
      const aH = profileAlpha(p.weekProfileHalfLifeWeeks, perHour, seen, p.hourOfWeekPrior);
      s.hourOfWeek[hw] = round(howF + aH * (yc - s.level - s.day[h]! - s.week[wd]! - howF), 1e5);
      s.hourOfWeekN[hw] = seen + 1;
    }
  }
  if (!best) return { signal, spike: null };
  return { signal, spike: best };
}

/**
 * Centre the learnt slots of a profile on 0 (unseen slots stay 0, see `round`) and return the mean taken out,
 * which the caller moves into the level: a pure re-parameterisation, so the level and the profile
 * do not chase each other into a ramp.
 */
function centre(f: number[], n: readonly number[]): number {
  let sum = 0;
  let k = 0;
  for (let i = 0; i < f.length; i++) {
    if (n[i]! > 0) {
      sum += f[i]!;
      k++;
    }
  }
  if (k === 0) return 0;
  const m = sum / k;
  for (let i = 0; i < f.length; i++) if (n[i]! > 0) f[i] = round(f[i]! - m, 1e6);
  return m;
}

/**
 * Profiles are kept to 1e-6 (1e-5 for the 168 hour-of-week slots) in transformed units, far below
 * any update they receive, so the persisted state stays small; the state is always the rounded
 * one, so a reloaded detector continues exactly.
 */
const round = (x: number, scale: number) => Math.round(x * scale) / scale;

/**
 * Run the detector over a whole series in file order (what the benchmark and `earshot detect` do).
 * A row whose timestamp does not move forward (a repeated DST hour, a step back) is still a new
 * observation: it is fed 1 ms after the previous one, and a signal on it carries the row's own
 * timestamp, so every row can be flagged, as NAB scores them.
 *
 * @example
 * const signals = detectSeries(parseNabCsv(readFileSync('counts.csv', 'utf8')));
 */
export function detectSeries(
  rows: readonly { at: Date; value: number }[],
  params?: Partial<SpikeParams> & { profile?: SpikeProfile },
): SpikeSignal[] {
  const d = createSpikeDetector(params);
  const out: SpikeSignal[] = [];
  let last = Number.NEGATIVE_INFINITY;
  for (const r of rows) {
    const t = Math.max(r.at.getTime(), last + 1);
    last = t;
    const sig = d.push(new Date(t), r.value);
    if (sig) out.push({ ...sig, at: r.at });
  }
  return out;
}

/** `alert` for a series of counts (non-negative integers), `raw` for anything else. */
export function profileFor(rows: readonly { value: number }[]): SpikeProfile {
  return rows.every((r) => Number.isInteger(r.value) && r.value >= 0) ? 'alert' : 'raw';
}

const NAIVE_TS = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?$/;

/**
 * Parse NAB's `timestamp,value` CSV, rows in file order (timestamps may repeat or step back, as in
 * a few NAB files). Naive timestamps are UTC; a bad row throws `line:column: what`.
 *
 * @example
 * parseNabCsv('timestamp,value\n2015-02-26 21:42:53,7\n'); // [{ at: 2015-02-26T21:42:53Z, value: 7 }]
 */
export function parseNabCsv(csv: string): { at: Date; value: number }[] {
  const lines = csv.split(/\r?\n/);
  const head = (lines[0] ?? '')
    .replace(/^\uFEFF/, '')
    .split(',')
    .map((h) => h.trim().replace(/^"(.*)"$/, '$1'));
  const ti = head.indexOf('timestamp');
  const vi = head.indexOf('value');
  if (ti < 0 || vi < 0) throw new Error('1:1: expected a header "timestamp,value"');
  const col = (cells: string[], i: number) => cells.slice(0, i).reduce((a, c) => a + c.length + 1, 1);
  const out: { at: Date; value: number }[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim()) continue;
    const cells = line.split(',');
    const ts = (cells[ti] ?? '').trim().replace(/^"(.*)"$/, '$1');
    const m = NAIVE_TS.exec(ts);
    const at = m
      ? new Date(
          Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, m[7] ? Math.round(+m[7] * 1000) : 0),
        )
      : /^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(ts)
        ? new Date(ts)
        : new Date(Number.NaN);
    const cell = (cells[vi] ?? '').trim().replace(/^"(.*)"$/, '$1');
    const value = cell === '' ? Number.NaN : Number(cell);
    if (Number.isNaN(at.getTime()))
      throw new Error(`${i + 1}:${col(cells, ti)}: bad timestamp ${JSON.stringify(ts)}`);
    if (!Number.isFinite(value))
      throw new Error(`${i + 1}:${col(cells, vi)}: bad value ${JSON.stringify(cell)}`);
    out.push({ at, value });
  }
  return out;
}

/** 'YYYY-MM-DD HH:MM:SS' in UTC, the NAB timestamp format. */
export function formatNabTimestamp(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * `earshot detect`: the rows at which the detector opens or re-escalates, with the profile used
 * (`auto`, the default: `alert` for counts, `raw` otherwise).
 */
export function runDetectCli(csvText: string, opts: { profile?: SpikeProfile | 'auto' } = {}): string {
  const rows = parseNabCsv(csvText);
  const profile = !opts.profile || opts.profile === 'auto' ? profileFor(rows) : opts.profile;
  return JSON.stringify({
    profile,
    detections: detectSeries(rows, { profile }).map((s) => formatNabTimestamp(s.at)),
  });
}
