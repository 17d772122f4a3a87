/**
 * The production volume-spike detector: streaming, no look-ahead, state that survives restarts.
 *
 * Counts are compared in log space (so a rise is judged by its ratio, whatever the brand's
 * volume) against a baseline made of a slow EWMA level plus a learnt time-of-day profile.
 * The level and spread are updated with winsorised values, so a spike does not poison the
 * baseline it is measured against. An alert needs all of: a robust z-score above `zOpen`,
 * a ratio over the baseline of at least `minRatio`, and an absolute excess of at least
 * `minExcess` mentions per bucket (tiny samples never page anyone). After an alert the
 * detector is in an episode for `cooldownHours`; within it, only a further marked rise
 * (`escalateRatio` over the episode's peak) signals again, as 'escalate'.
 *
 * @example
 * const d = createSpikeDetector();
 * for (const row of rows) { const s = d.push(row.at, row.value); if (s) notify(s); }
 * saveState(JSON.stringify(d.state()));
 */
export interface SpikeParams {
  /** Bucket length in ms; 0 = infer from the first two points. */
  intervalMs: number;
  /** Hours of data before any signal (the baseline must exist). */
  warmupHours: number;
  /** Half-life of the level, hours. */
  levelHalfLifeHours: number;
  /** Half-life of the time-of-day profile, days. */
  seasonHalfLifeDays: number;
  /** Buckets averaged for the current value (1 = the bucket alone). */
  window: number;
  /** Robust z-score (in log space) to open an alert. */
  zOpen: number;
  /** Minimum ratio of the current count over the expected one. */
  minRatio: number;
  /** Minimum absolute excess over the expected count, per bucket. */
  minExcess: number;
  /** Quiet period after an alert, hours; only escalations inside it. */
  cooldownHours: number;
  /** A rise to this multiple of the episode's peak escalates. */
  escalateRatio: number;
  /** Floor of the spread (log space), so very regular series do not fire on noise. */
  minSigma: number;
}

export const defaultSpikeParams: SpikeParams = {
  intervalMs: 0,
  warmupHours: 24,
  levelHalfLifeHours: 24,
  seasonHalfLifeDays: 3,
  window: 1,
  zOpen: 4,
  minRatio: 2.5,
  minExcess: 5,
  cooldownHours: 24,
  escalateRatio: 2,
  minSigma: 0.15,
};

export interface SpikeSignal {
  at: Date;
  kind: 'open' | 'escalate';
  /** The current (window-averaged) count. */
  value: number;
  /** The count the baseline expected. */
  expected: number;
  /** Robust z-score in log space. */
  score: number;
  /** value / expected. */
  ratio: number;
}

export interface SpikeDetectorState {
  v: 1;
  intervalMs: number;
  n: number;
  firstAt: number;
  lastAt: number;
  level: number;
  dev: number;
  season: number[];
  recent: number[];
  episodeUntil: number;
  episodePeak: number;
}

export interface SpikeDetector {
  push(at: Date, value: number): SpikeSignal | null;
  state(): SpikeDetectorState;
}

const DAY = 86_400_000;
const tx = (x: number) => Math.log(x + 1);
const untx = (y: number) => Math.exp(y) - 1;
const alphaFor = (halfLifeBuckets: number) => 1 - 2 ** (-1 / Math.max(1, halfLifeBuckets));

export function createSpikeDetector(
  params: Partial<SpikeParams> = {},
  saved?: SpikeDetectorState,
): SpikeDetector {
  const p = { ...defaultSpikeParams, ...params };
  const s: SpikeDetectorState = saved
    ? structuredClone(saved)
    : {
        v: 1,
        intervalMs: p.intervalMs,
        n: 0,
        firstAt: 0,
        lastAt: 0,
        level: 0,
        dev: p.minSigma,
        season: [],
        recent: [],
        episodeUntil: 0,
        episodePeak: 0,
      };

  function slot(t: number): number {
    const per = Math.max(1, Math.round(DAY / s.intervalMs));
    return Math.floor((t % DAY) / s.intervalMs) % per;
  }

  function push(at: Date, raw: number): SpikeSignal | null {
    const t = at.getTime();
    const x = Number.isFinite(raw) && raw > 0 ? raw : 0;
    if (s.n === 0) s.firstAt = t;
    else if (!s.intervalMs) s.intervalMs = Math.max(60_000, t - s.lastAt);
    s.lastAt = t;
    s.n++;
    s.recent.push(x);
    if (s.recent.length > p.window) s.recent.shift();
    const y = tx(x);
    if (s.n === 1) {
      s.level = y;
      return null;
    }
    const perHour = 3_600_000 / s.intervalMs;
    const k = slot(t);
    const seasonal = s.season[k] ?? 0;
    const expectedY = s.level + seasonal;
    const sigma = Math.max(p.minSigma, s.dev * 1.4826);
    const current = s.recent.reduce((a, b) => a + b, 0) / s.recent.length;
    const z = (tx(current) - expectedY) / sigma;
    const expected = Math.max(0, untx(expectedY));
    const ratio = (current + 1) / (expected + 1);

    let signal: SpikeSignal | null = null;
    const warm = t - s.firstAt >= p.warmupHours * 3_600_000;
    const spiking = warm && z >= p.zOpen && ratio >= p.minRatio && current - expected >= p.minExcess;
    if (spiking) {
      if (t > s.episodeUntil) {
        signal = { at, kind: 'open', value: current, expected, score: z, ratio };
        s.episodePeak = current;
      } else if (current >= s.episodePeak * p.escalateRatio) {
        signal = { at, kind: 'escalate', value: current, expected, score: z, ratio };
        s.episodePeak = current;
      }
      s.episodeUntil = Math.max(s.episodeUntil, t + p.cooldownHours * 3_600_000);
    }

    // Update the baseline with a winsorised value so spikes do not drag it up.
    const clipped = Math.min(y, expectedY + 2 * sigma);
    const resid = clipped - expectedY;
    const aLevel = alphaFor(p.levelHalfLifeHours * perHour);
    s.level += aLevel * (clipped - seasonal - s.level);
    s.dev += aLevel * (Math.abs(resid) - s.dev);
    const aSeason = alphaFor(p.seasonHalfLifeDays); // one update per day per slot
    s.season[k] = seasonal + aSeason * (clipped - s.level - seasonal);
    return signal;
  }

  return { push, state: () => structuredClone(s) };
}

/** Run the detector over a whole series in time order (what the benchmark and `earshot detect` do). */
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

/** Parse NAB's `timestamp,value` CSV (naive timestamps are UTC); a bad row names its line. */
export function parseNabCsv(csv: string): { at: Date; value: number }[] {
  const lines = csv.split(/\r?\n/);
  const head = (lines[0] ?? '').trim().split(',');
  const ti = head.indexOf('timestamp');
  const vi = head.indexOf('value');
  if (ti < 0 || vi < 0) throw new Error('line 1: expected a header "timestamp,value"');
  const out: { at: Date; value: number }[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const cells = line.split(',');
    const ts = cells[ti]?.trim() ?? '';
    const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(ts);
    const at = m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : new Date(ts);
    const value = Number(cells[vi]);
    if (Number.isNaN(at.getTime())) throw new Error(`line ${i + 1}: bad timestamp ${JSON.stringify(ts)}`);
    if (!Number.isFinite(value)) throw new Error(`line ${i + 1}: bad value ${JSON.stringify(cells[vi])}`);
    const prev = out.at(-1);
    if (prev && at <= prev.at) throw new Error(`line ${i + 1}: timestamps must increase`);
    out.push({ at, value });
  }
  return out;
}

export function formatNabTimestamp(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/** `earshot detect`: the rows at which the production detector opens or re-escalates. */
export function runDetectCli(csvText: string, params?: Partial<SpikeParams>): string {
  return JSON.stringify({
    detections: detectSeries(parseNabCsv(csvText), params).map((s) => formatNabTimestamp(s.at)),
  });
}
