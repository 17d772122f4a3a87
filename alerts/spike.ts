/**
 * The production volume-spike detector: streaming, no look-ahead, pure, JSON state.
 *
 * Baseline. The expected count of a bucket is `level × day[hour] × week[weekday]`: a level
 * (EWMA of the deseasonalised counts, half-life `levelHalfLifeHours`) times two multiplicative
 * seasonal profiles, hour of day and day of week (a factorised hour-of-week profile: 31 numbers
 * instead of 168, so it is usable after days, not months). Every update is winsorised: a count is
 * clipped to `expected · exp(±clipZ·σ)` first, so a spike or an outage moves the baseline by a
 * bounded step and cannot poison the baseline it is measured against.
 *
 * Surprise. At each time scale (`scalesMinutes`: one bucket, one hour, ...) the observed sum O of
 * the trailing buckets is compared with the expected sum E as a log ratio
 * `r = ln((O + c) / (E + c))`. Its typical spread σ is learnt per scale (EWMA of the winsorised
 * absolute deviation), so the score `z = (r − bias) / σ` is scale-free: at a few mentions per
 * bucket Poisson noise makes σ large, at thousands the model error dominates. No count is ever
 * compared with a fixed threshold except the materiality floor below.
 *
 * Alert. A bucket is spiking when, at some scale, z ≥ `zOpen`, O/E ≥ `minRatio` and the excess
 * O − E (per hour, for scales longer than an hour) is at least `minExcess` mentions. The first
 * spiking bucket opens an episode ('open'); the episode lasts until `cooldownHours` after the last
 * spiking bucket, and inside it only a rise to `escalateRatio` × the ratio last reported signals
 * again ('escalate'). So one anomaly pages once, and again only when it gets markedly worse.
 *
 * @example
 * const d = createSpikeDetector({}, loadState());
 * const signal = d.push(bucketStart, negativeCount);
 * if (signal) raise(signal);
 * saveState(d.state()); // plain JSON
 */
export interface SpikeParams {
  /** Bucket length in ms; 0 = infer (the smallest gap seen between consecutive pushes). */
  intervalMs: number;
  /** Offset of the brand's local time from UTC, minutes; places the hour/weekday profiles. */
  utcOffsetMinutes: number;
  /** History needed before any signal, hours (the daily profile must have been seen). */
  warmupHours: number;
  /** Half-life of the level, hours. */
  levelHalfLifeHours: number;
  /** Half-life of the hour-of-day profile, days. */
  dayProfileHalfLifeDays: number;
  /** Half-life of the day-of-week profile, weeks; 0 disables the weekly profile. */
  weekProfileHalfLifeWeeks: number;
  /** Half-life of the learnt spread of the log ratio, days. */
  spreadHalfLifeDays: number;
  /** Time scales compared, minutes; 0 = one bucket. Scales shorter than a bucket collapse to one bucket. */
  scalesMinutes: number[];
  /** Score (robust z of the log ratio) needed to open; the floor of the adaptive threshold. */
  zOpen: number;
  /**
   * Adaptive threshold: the score must also exceed this quantile of the brand's own daily maximum
   * scores over the last `thresholdDays` days (0 = off). A bursty brand needs a larger surprise.
   */
  thresholdQuantile: number;
  /** Days of daily maxima kept for the adaptive threshold. */
  thresholdDays: number;
  /** Minimum observed/expected ratio at the firing scale. */
  minRatio: number;
  /** Minimum excess over expected, mentions (per hour for scales longer than an hour). */
  minExcess: number;
  /** Pseudo-count added to observed and expected sums before the log ratio. */
  pseudoCount: number;
  /** Winsorisation of baseline and spread updates, in σ. */
  clipZ: number;
  /** Floor of σ (log space), so an unusually regular series does not fire on small ratios. */
  minSigma: number;
  /** Quiet hours after the last spiking bucket before a new episode can open. */
  cooldownHours: number;
  /** Inside an episode, a ratio this many times the last reported one escalates. */
  escalateRatio: number;
}

export const defaultSpikeParams: SpikeParams = Object.freeze({
  intervalMs: 0,
  utcOffsetMinutes: 0,
  warmupHours: 48,
  levelHalfLifeHours: 12,
  dayProfileHalfLifeDays: 7,
  weekProfileHalfLifeWeeks: 2,
  spreadHalfLifeDays: 7,
  scalesMinutes: Object.freeze([15, 60]) as number[],
  zOpen: 3.5,
  thresholdQuantile: 0.9,
  thresholdDays: 28,
  minRatio: 2,
  minExcess: 30,
  pseudoCount: 1,
  clipZ: 2.5,
  minSigma: 0.05,
  cooldownHours: 24,
  escalateRatio: 2,
}) as SpikeParams;

export interface SpikeSignal {
  at: Date;
  kind: 'open' | 'escalate';
  /** Observed mentions in the firing scale's trailing window. */
  value: number;
  /** Mentions the baseline expected in that window. */
  expected: number;
  /** Robust z-score of the log ratio. */
  score: number;
  /** (value + c) / (expected + c). */
  ratio: number;
  /** Length of the firing scale's window, minutes. */
  windowMinutes: number;
}

/** Everything the detector knows; plain JSON, so it can be persisted between runs. */
export interface SpikeDetectorState {
  v: 2;
  intervalMs: number;
  n: number;
  firstAt: number;
  lastAt: number;
  level: number;
  day: number[];
  dayN: number[];
  week: number[];
  weekN: number[];
  /** Trailing buckets (time, count, expected), as long as the longest scale. */
  recent: [number, number, number][];
  /** Per scale: mean absolute deviation and bias of the log ratio, and how many updates. */
  spread: number[];
  bias: number[];
  spreadN: number[];
  episodeUntil: number;
  episodeRatio: number;
  /** Local day number of `dayMax`, the day's highest score, and the last days' maxima. */
  day0: number;
  dayMax: number;
  dailyMax: number[];
}

/** What the detector makes of one bucket (`peek`), without learning from it. */
export interface SpikeCheck {
  /** What `push` would return for this bucket: an opening or an escalation, else null. */
  signal: SpikeSignal | null;
  /**
   * The strongest spiking scale of this bucket even when it does not signal (inside an episode, a
   * spike that is not markedly worse than the last one reported stays quiet); null when nothing
   * spikes or during the warm-up.
   */
  spike: Omit<SpikeSignal, 'kind'> | null;
}

export interface SpikeDetector {
  /** Learn from a completed bucket; returns an opening or escalation signal, else null. */
  push(at: Date, value: number): SpikeSignal | null;
  /**
   * Evaluate a bucket without changing the state: what `push` would say if the bucket ended with
   * this count. For an in-progress bucket the count so far is a lower bound of the final one, so a
   * signal on it involves no look-ahead.
   */
  peek(at: Date, value: number): SpikeCheck;
  /**
   * Record a signal from `peek` that was acted on as reported: the episode starts (or its reference
   * ratio rises) at once, so pushing that bucket later does not open the same episode again.
   */
  commit(signal: SpikeSignal): void;
  /** Whether a bucket starting at `at` would be past the warm-up (signals are possible). */
  ready(at: Date): boolean;
  state(): SpikeDetectorState;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MAD_TO_SIGMA = 1.2533; // mean absolute deviation -> σ for a normal distribution
const alphaFor = (halfLifeUpdates: number, seen: number) =>
  Math.max(1 - 2 ** (-1 / Math.max(1, halfLifeUpdates)), 1 / (seen + 1));

function freshState(p: SpikeParams): SpikeDetectorState {
  return {
    v: 2,
    intervalMs: p.intervalMs,
    n: 0,
    firstAt: 0,
    lastAt: 0,
    level: 0,
    day: new Array<number>(24).fill(1),
    dayN: new Array<number>(24).fill(0),
    week: new Array<number>(7).fill(1),
    weekN: new Array<number>(7).fill(0),
    recent: [],
    spread: [],
    bias: [],
    spreadN: [],
    episodeUntil: 0,
    episodeRatio: 0,
    day0: 0,
    dayMax: 0,
    dailyMax: [],
  };
}

export function createSpikeDetector(
  params: Partial<SpikeParams> = {},
  saved?: SpikeDetectorState,
): SpikeDetector {
  const p: SpikeParams = { ...defaultSpikeParams, ...params };
  if (saved && saved.v !== 2) throw new Error(`spike detector state version ${String(saved.v)} is not 2`);
  const s: SpikeDetectorState = saved ? structuredClone(saved) : freshState(p);
  return {
    push: (at, value) => step(s, p, at, value).signal,
    peek: (at, value) => step(structuredClone(s), p, at, value),
    commit(signal) {
      const t = signal.at.getTime();
      s.episodeRatio = signal.kind === 'open' ? signal.ratio : Math.max(s.episodeRatio, signal.ratio);
      s.episodeUntil = Math.max(s.episodeUntil, t + p.cooldownHours * HOUR);
    },
    ready: (at) => s.n > 0 && at.getTime() - s.firstAt >= p.warmupHours * HOUR,
    state: () => structuredClone(s),
  };
}

function scaleBuckets(p: SpikeParams, intervalMs: number): { k: number; ms: number }[] {
  const out: { k: number; ms: number }[] = [];
  for (const m of p.scalesMinutes) {
    const k = Math.max(1, Math.round((m * 60_000) / intervalMs));
    if (!out.some((o) => o.k === k)) out.push({ k, ms: k * intervalMs });
  }
  return out;
}

/** One bucket: score it against the baseline, then learn from it. Mutates `s`. */
function step(s: SpikeDetectorState, p: SpikeParams, at: Date, raw: number): SpikeCheck {
  const quiet: SpikeCheck = { signal: null, spike: null };
  const t = at.getTime();
  const x = Number.isFinite(raw) && raw > 0 ? raw : 0;
  if (s.n > 0) {
    if (t <= s.lastAt) return quiet; // out of order or duplicate bucket: ignored
    if (!p.intervalMs && (!s.intervalMs || t - s.lastAt < s.intervalMs)) s.intervalMs = t - s.lastAt;
  } else s.firstAt = t;
  s.lastAt = t;
  s.n++;
  if (s.n === 1 || !s.intervalMs) {
    // First point: nothing to compare with yet; start the level here.
    s.level = x;
    return quiet;
  }
  const local = t + p.utcOffsetMinutes * 60_000;
  const h = Math.floor((((local % DAY) + DAY) % DAY) / HOUR);
  const d = Math.floor(local / DAY + 4) % 7; // 1970-01-01 was a Thursday: 0 = Sunday
  const bucketsPerHour = HOUR / s.intervalMs;
  const weekly = p.weekProfileHalfLifeWeeks > 0;
  const dayF = s.day[h]!;
  const weekF = weekly ? s.week[d]! : 1;
  const e = Math.max(0, s.level * dayF * weekF);

  s.recent.push([t, x, e]);
  const scales = scaleBuckets(p, s.intervalMs);
  const maxK = Math.max(...scales.map((c) => c.k));
  while (s.recent.length > maxK) s.recent.shift();

  const dayNo = Math.floor(local / DAY);
  if (dayNo !== s.day0) {
    if (s.dayMax > 0) {
      // Only days scored after the warm-up count towards the adaptive threshold.
      s.dailyMax.push(s.dayMax);
      while (s.dailyMax.length > p.thresholdDays) s.dailyMax.shift();
    }
    s.day0 = dayNo;
    s.dayMax = 0;
  }
  const threshold = Math.max(p.zOpen, adaptiveThreshold(s.dailyMax, p));
  const c = p.pseudoCount;
  const warm = t - s.firstAt >= p.warmupHours * HOUR;
  let best: SpikeSignal | null = null;
  let bestRatioAny = 0;
  for (const [j, sc] of scales.entries()) {
    let O = 0;
    let E = 0;
    for (let i = s.recent.length - 1; i >= 0; i--) {
      const b = s.recent[i]!;
      if (b[0] <= t - sc.ms) break;
      O += b[1];
      E += b[2];
    }
    const r = Math.log((O + c) / (E + c));
    const mad = s.spread[j] ?? 0.5;
    const bias = s.bias[j] ?? 0;
    const sigma = Math.max(p.minSigma, mad * MAD_TO_SIGMA);
    const z = (r - bias) / sigma;
    const ratio = (O + c) / (E + c);
    const excess = (O - E) / Math.max(1, sc.ms / HOUR);
    if (warm) s.dayMax = Math.max(s.dayMax, z);
    if (warm && z >= threshold && ratio >= p.minRatio && excess >= p.minExcess) {
      bestRatioAny = Math.max(bestRatioAny, ratio);
      if (!best || z > best.score) {
        best = { at, kind: 'open', value: O, expected: E, score: z, ratio, windowMinutes: sc.ms / 60_000 };
      }
    }
    // Learn the spread of r at this scale (winsorised, so spikes do not widen it).
    const n = s.spreadN[j] ?? 0;
    const a = alphaFor(p.spreadHalfLifeDays * 24 * bucketsPerHour, n);
    const dev = Math.min(Math.abs(r - bias), p.clipZ * sigma);
    s.spread[j] = mad + a * (dev - mad);
    const rc = Math.max(bias - p.clipZ * sigma, Math.min(bias + p.clipZ * sigma, r));
    s.bias[j] = bias + a * (rc - bias);
    s.spreadN[j] = n + 1;
  }

  // The episode's reference is the highest ratio seen while spiking, so a rise that builds up
  // gradually (or a window that is still filling) does not escalate; a jump past it does.
  let signal: SpikeSignal | null = null;
  if (best) {
    if (t > s.episodeUntil) signal = best;
    else if (bestRatioAny >= s.episodeRatio * p.escalateRatio) signal = { ...best, kind: 'escalate' };
    s.episodeRatio = signal ? bestRatioAny : Math.max(s.episodeRatio, bestRatioAny);
    s.episodeUntil = Math.max(s.episodeUntil, t + p.cooldownHours * HOUR);
  }

  // Baseline update with the count clipped to expected · exp(±clipZ·σ) of the one-bucket scale.
  const sigma1 = Math.max(p.minSigma, (s.spread[0] ?? 0.5) * MAD_TO_SIGMA);
  const hi = (e + c) * Math.exp(p.clipZ * sigma1) - c;
  const lo = (e + c) * Math.exp(-p.clipZ * sigma1) - c;
  const xc = s.n <= 2 ? x : Math.min(hi, Math.max(lo, x));
  const aL = alphaFor(p.levelHalfLifeHours * bucketsPerHour, s.n - 1);
  s.level += aL * (xc / (dayF * weekF) - s.level);
  if (s.level > 0) {
    // Profile targets carry the pseudo-count, so at a few mentions a day they stay near flat
    // instead of learning noise (and never reach 0, which would blow the level up).
    const aD = alphaFor(p.dayProfileHalfLifeDays * bucketsPerHour, s.dayN[h]!);
    const dayTarget = (xc + c) / (s.level * weekF + c / dayF);
    s.day[h] = clampFactor(dayF + aD * (dayTarget - dayF));
    s.dayN[h]!++;
    s.level *= normalise(s.day, s.dayN);
    if (weekly) {
      const aW = alphaFor(p.weekProfileHalfLifeWeeks * 24 * bucketsPerHour, s.weekN[d]!);
      const weekTarget = (xc + c) / (s.level * dayF + c / weekF);
      s.week[d] = clampFactor(weekF + aW * (weekTarget - weekF));
      s.weekN[d]!++;
      s.level *= normalise(s.week, s.weekN);
    }
  }
  if (!best) return { signal, spike: null };
  const { kind: _, ...spike } = best;
  return { signal, spike };
}

function adaptiveThreshold(dailyMax: readonly number[], p: SpikeParams): number {
  if (!p.thresholdQuantile || dailyMax.length < 7) return 0;
  const sorted = [...dailyMax].sort((a, b) => a - b);
  const pos = p.thresholdQuantile * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
}

const clampFactor = (f: number) => (Number.isFinite(f) ? Math.min(50, Math.max(0.02, f)) : 1);

/**
 * Scale the learnt slots of a profile to mean 1 (unseen slots stay at 1) and return the factor
 * taken out, which the caller moves into the level: a pure re-parameterisation. Without it the
 * profile and the level chase each other and the weekly profile drifts into a ramp.
 */
function normalise(f: number[], n: number[]): number {
  let sum = 0;
  let k = 0;
  for (let i = 0; i < f.length; i++) {
    if (n[i]! > 0) {
      sum += f[i]!;
      k++;
    }
  }
  if (k === 0 || sum <= 0) return 1;
  const m = sum / k;
  for (let i = 0; i < f.length; i++) if (n[i]! > 0) f[i] = f[i]! / m;
  return m;
}

/**
 * Run the detector over a whole series in time order (what the benchmark and `earshot detect` do).
 *
 * @example
 * const signals = detectSeries(parseNabCsv(readFileSync('counts.csv', 'utf8')));
 */
export function detectSeries(
  rows: readonly { at: Date; value: number }[],
  params?: Partial<SpikeParams>,
): SpikeSignal[] {
  const d = createSpikeDetector(params);
  const out: SpikeSignal[] = [];
  for (const r of rows) {
    const sig = d.push(r.at, r.value);
    if (sig) out.push(sig);
  }
  return out;
}

const NAIVE_TS = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?$/;

/**
 * Parse NAB's `timestamp,value` CSV. Naive timestamps are UTC; a bad row throws naming its line.
 *
 * @example
 * parseNabCsv('timestamp,value\n2015-02-26 21:42:53,7\n'); // [{ at: 2015-02-26T21:42:53Z, value: 7 }]
 */
export function parseNabCsv(csv: string): { at: Date; value: number }[] {
  const lines = csv.split(/\r?\n/);
  const head = (lines[0] ?? '')
    .replace(/^\uFEFF/, '')
    .trim()
    .split(',')
    .map((h) => h.trim());
  const ti = head.indexOf('timestamp');
  const vi = head.indexOf('value');
  if (ti < 0 || vi < 0) throw new Error('line 1: expected a header "timestamp,value"');
  const out: { at: Date; value: number }[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const cells = line.split(',');
    const ts = cells[ti]?.trim() ?? '';
    const m = NAIVE_TS.exec(ts);
    const at = m
      ? new Date(
          Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, m[7] ? Math.round(+m[7] * 1000) : 0),
        )
      : /^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(ts)
        ? new Date(ts)
        : new Date(Number.NaN);
    const cell = cells[vi]?.trim() ?? '';
    const value = cell === '' ? Number.NaN : Number(cell);
    if (Number.isNaN(at.getTime())) throw new Error(`line ${i + 1}: bad timestamp ${JSON.stringify(ts)}`);
    if (!Number.isFinite(value)) throw new Error(`line ${i + 1}: bad value ${JSON.stringify(cell)}`);
    const prev = out.at(-1);
    if (prev && at <= prev.at) throw new Error(`line ${i + 1}: timestamps must increase`);
    out.push({ at, value });
  }
  return out;
}

/** 'YYYY-MM-DD HH:MM:SS' in UTC, the NAB timestamp format. */
export function formatNabTimestamp(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/** `earshot detect`: the rows at which the production detector opens or re-escalates. */
export function runDetectCli(csvText: string, params?: Partial<SpikeParams>): string {
  return JSON.stringify({
    detections: detectSeries(parseNabCsv(csvText), params).map((s) => formatNabTimestamp(s.at)),
  });
}
