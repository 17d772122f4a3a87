/**
 * Spike detection on NAB's labelled real series, scored by NAB's scorer
 * (../shared/tools/nab-score.mjs, imported: standard profile, normalised so none = 0, perfect = 100):
 *
 *   1. DEV: the three Twitter mention-volume series (AAPL, FB, IBM; 8 windows), run exactly as
 *      `earshot detect --input SERIES.csv` runs them (profile auto → alert for counts), in-sample;
 *   2. DEV leave-one-series-out: for each series, the mention-count gates (minExcess × minRatio)
 *      and the alert budget (thresholdQuantile) are chosen on the other two, and the held-out
 *      detections of the three folds are scored together;
 *   3. nab-more: 37 other real NAB series (77 windows: machine metrics, traffic, ad exchange, AWS)
 *      with the raw profile (the one documented for non-count series), with `auto` (what the CLI
 *      picks) and with the alert profile, per category and on the two count series; plus a
 *      leave-one-series-out over the 37 (the budget and floor chosen on the other 36);
 *   4. in the same run, rolling z-score baselines: the plain one (1 day, 3σ, 1-day refractory),
 *      one tuned on DEV (window × k × refractory, in-sample), its DEV leave-one-out, and on nab-more
 *      the DEV-tuned one and a leave-one-out one;
 *   5. the alert rule's feed on DEV: hourly sums pushed when the hour ends, and also peeked at
 *      every row with the hour so far (what the negative-spike rule does);
 *   6. speed: pushes per second, and the hourly cycle of 1,000 brands as the rule runs it (state
 *      JSON parsed, one hour pushed, the next peeked, state serialised) against the bare JSON round
 *      trip of the same states in the same run; the state size.
 *
 *   npm run bench:alerts
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  createSpikeDetector,
  detectSeries,
  formatNabTimestamp,
  parseNabCsv,
  profileFor,
  type SpikeDetectorState,
  type SpikeParams,
  type SpikeProfile,
  spikeProfiles,
} from '../alerts/spike.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const devDir = path.resolve(repoRoot, '../shared/data/nab');
const moreDir = path.resolve(repoRoot, '../shared/data/nab-more');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Row = { at: Date; value: number };
type Detections = Record<string, string[]>;
interface Overall {
  windows: number;
  detected: number;
  recall: number;
  detections: number;
  fp: number;
  fpPerDay: number;
  latencyMedianMin: number;
  fromLabelMedianMin: number;
  nab: { standard: { raw: number; normalised: number } };
}
interface Scorer {
  loadSet(dir: string): { key: string }[];
  scoreSet(set: { key: string }[], det: Detections, profiles: string[]): { overall: Overall };
}
const scorer = (await import(
  pathToFileURL(path.resolve(repoRoot, '../shared/tools/nab-score.mjs')).href
)) as Scorer;

interface Series {
  key: string;
  name: string;
  rows: Row[];
  labelled: { key: string };
}
function load(dir: string): Series[] {
  return scorer.loadSet(dir).map((l) => ({
    key: l.key,
    name: path.basename(l.key, '.csv').replace(/^Twitter_volume_/, ''),
    // The CLI's own reader, so oddities (repeated timestamps, gaps) are read as `earshot detect` reads them.
    rows: parseNabCsv(readFileSync(path.join(dir, l.key), 'utf8')),
    labelled: l,
  }));
}
const dev = load(devDir);
const more = load(moreDir);

type Detector = (rows: Row[]) => Date[];
const cache = new Map<string, Date[]>();
/** Detections of `detector` (named `id` for the cache) on `s`. */
function run(s: Series, id: string, detector: Detector): Date[] {
  const k = `${s.key}|${id}`;
  let v = cache.get(k);
  if (!v) {
    v = detector(s.rows);
    cache.set(k, v);
  }
  return v;
}
function score(set: Series[], id: string, detector: Detector): Overall {
  const det: Detections = {};
  for (const s of set) det[s.key] = run(s, id, detector).map(formatNabTimestamp);
  return scorer.scoreSet(
    set.map((s) => s.labelled),
    det,
    ['standard'],
  ).overall;
}
const nab = (o: Overall) => o.nab.standard.normalised;

/** What `earshot detect --input FILE [--profile P]` reports. */
const earshot =
  (profile: SpikeProfile | 'auto', over: Partial<SpikeParams> = {}): Detector =>
  (rows) =>
    detectSeries(rows, { profile: profile === 'auto' ? profileFor(rows) : profile, ...over }).map(
      (s) => s.at,
    );

/** A plain rolling z-score: mean and σ of the trailing `windowDays`, fire above k σ, then quiet for `quietH`. */
const rollingZ =
  (windowDays: number, k: number, quietH: number, twoSided: boolean): Detector =>
  (rows) => {
    const out: Date[] = [];
    let sum = 0;
    let sumSq = 0;
    let head = 0;
    let quietUntil = Number.NEGATIVE_INFINITY;
    const t0 = rows[0]?.at.getTime() ?? 0;
    for (let i = 0; i < rows.length; i++) {
      const t = rows[i]!.at.getTime();
      while (head < i && rows[head]!.at.getTime() <= t - windowDays * DAY) {
        const v = rows[head++]!.value;
        sum -= v;
        sumSq -= v * v;
      }
      const n = i - head;
      if (n >= 2 && t - t0 >= windowDays * DAY) {
        const mean = sum / n;
        const sd = Math.sqrt(Math.max(0, sumSq / n - mean * mean)) || 1;
        const z = (rows[i]!.value - mean) / sd;
        if ((twoSided ? Math.abs(z) : z) > k && t > quietUntil) {
          out.push(rows[i]!.at);
          quietUntil = t + quietH * HOUR;
        }
      }
      sum += rows[i]!.value;
      sumSq += rows[i]!.value * rows[i]!.value;
    }
    return out;
  };

interface Candidate {
  id: string;
  label: string;
  detector: Detector;
}
/** For each series, the candidate scoring best on the others runs on it; all held-out detections scored together. */
function loso(set: Series[], candidates: Candidate[]): { scores: Overall; chosen: Map<string, string> } {
  const chosen = new Map<string, string>();
  const det: Detections = {};
  for (const h of set) {
    const train = set.filter((s) => s !== h);
    let best: Candidate = candidates[0]!;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const c of candidates) {
      const v = nab(score(train, c.id, c.detector));
      if (v > bestScore + 1e-9) {
        best = c;
        bestScore = v;
      }
    }
    chosen.set(h.name, best.label);
    det[h.key] = run(h, best.id, best.detector).map(formatNabTimestamp);
  }
  return {
    scores: scorer.scoreSet(
      set.map((s) => s.labelled),
      det,
      ['standard'],
    ).overall,
    chosen,
  };
}

/** The alert rule's feed: hourly sums pushed when the hour completes (missing hours as zeros), and with `peek` the hour so far at every row. */
const hourlyRule =
  (peek: boolean): Detector =>
  (rows) => {
    const d = createSpikeDetector({ intervalMs: HOUR });
    const out: Date[] = [];
    let hour = Number.NaN;
    let sum = 0;
    let last: Date | null = null;
    const close = (next: number) => {
      if (!last) return;
      if (d.push(new Date(hour), sum)) out.push(last);
      for (let g = hour + HOUR; g < next; g += HOUR) d.push(new Date(g), 0);
    };
    for (const r of rows) {
      const h = Math.floor(r.at.getTime() / HOUR) * HOUR;
      if (h !== hour) {
        close(h);
        hour = h;
        sum = 0;
      }
      sum += r.value;
      last = r.at;
      if (peek) {
        const check = d.peek(new Date(hour), sum);
        if (check.signal) {
          d.commit(check.signal);
          out.push(r.at);
        }
      }
    }
    close(hour + HOUR);
    return out;
  };

// ------------------------------------------------------------------ candidates

const gateGrid: Candidate[] = [];
// The defaults come first: a fold keeps them unless another candidate is strictly better.
for (const minExcess of [10, 30, 60])
  for (const minRatio of [2, 1.5, 3])
    for (const thresholdQuantile of [0.95, 0.9, 0.85]) {
      const over = { minExcess, minRatio, thresholdQuantile };
      gateGrid.push({
        id: `alert ${JSON.stringify(over)}`,
        label: `minExcess ${minExcess}, minRatio ${minRatio}, quantile ${thresholdQuantile}`,
        detector: earshot('alert', over),
      });
    }
const rawGrid: Candidate[] = [];
for (const thresholdQuantile of [0.9, 0.85, 0.8, 0.95])
  for (const zOpen of [4, 3.5, 5]) {
    const over = { thresholdQuantile, zOpen };
    rawGrid.push({
      id: `raw ${JSON.stringify(over)}`,
      label: `quantile ${thresholdQuantile}, zOpen ${zOpen}`,
      detector: earshot('raw', over),
    });
  }
const zGrid = (twoSided: boolean): Candidate[] => {
  const out: Candidate[] = [];
  for (const w of [1, 3, 7])
    for (const k of [3, 4, 5, 6, 8, 10])
      for (const q of [1, 6, 24])
        out.push({
          id: `z ${w} ${k} ${q} ${twoSided}`,
          label: `${w} d, ${k}σ, ${q} h quiet`,
          detector: rollingZ(w, k, q, twoSided),
        });
  return out;
};

/**
 * The DEV series with each mention kept with probability `p` (binomial thinning, seeded): the same
 * anomalies at a brand `1/p` times smaller, labels unchanged. How the count gates hold at volumes
 * DEV does not have (IBM at 5% is 0.2 mentions per 5 minutes).
 */
function thinned(p: number): Series[] {
  let seed = 7;
  const rand = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  return dev.map((s) => ({
    ...s,
    key: s.key,
    rows: s.rows.map((r) => {
      let k = 0;
      for (let i = 0; i < r.value; i++) if (rand() < p) k++;
      return { at: r.at, value: k };
    }),
  }));
}
const THIN = [1, 0.5, 0.2, 0.1, 0.05];

// ------------------------------------------------------------------ speed

function timeBest(f: () => void, runs = 3): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    f();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

function speed() {
  const pushes = dev.reduce((a, s) => a + s.rows.length, 0);
  const alertMs = timeBest(() => {
    for (const s of dev) detectSeries(s.rows, { profile: 'alert' });
  });
  const rawMs = timeBest(() => {
    for (const s of dev) detectSeries(s.rows, { profile: 'raw' });
  });
  const zMs = timeBest(() => {
    for (const s of dev) rollingZ(1, 3, 24, false)(s.rows);
  });
  // 1,000 brands, each with 8 weeks of hourly negatives (a daily cycle, its own volume).
  const BRANDS = 1000;
  const WEEKS = 8;
  const t0 = Date.UTC(2026, 0, 5);
  let seed = 1;
  const rand = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const states: string[] = [];
  const means: number[] = [];
  for (let b = 0; b < BRANDS; b++) {
    const mean = 0.2 + 40 * rand() ** 2;
    means.push(mean);
    const d = createSpikeDetector({ intervalMs: HOUR, timeZone: b % 2 ? 'Europe/Paris' : 'Asia/Shanghai' });
    for (let h = 0; h < WEEKS * 7 * 24; h++) {
      const m = mean * (1 + 0.6 * Math.sin((2 * Math.PI * h) / 24));
      d.push(new Date(t0 + h * HOUR), Math.round(m + Math.sqrt(m) * (rand() * 2 - 1)));
    }
    states.push(JSON.stringify(d.state()));
  }
  const next = t0 + WEEKS * 7 * 24 * HOUR;
  const cycleMs = timeBest(() => {
    for (let b = 0; b < BRANDS; b++) {
      const st = JSON.parse(states[b]!) as SpikeDetectorState;
      const d = createSpikeDetector(
        { intervalMs: HOUR, timeZone: b % 2 ? 'Europe/Paris' : 'Asia/Shanghai' },
        st,
      );
      d.push(new Date(next), Math.round(means[b]!));
      d.peek(new Date(next + HOUR), Math.round(means[b]! / 2));
      JSON.stringify(d.state());
    }
  });
  const jsonMs = timeBest(() => {
    for (let b = 0; b < BRANDS; b++) JSON.stringify(JSON.parse(states[b]!));
  });
  const sizes = states.map((s) => Buffer.byteLength(s)).sort((a, b) => a - b);
  return {
    pushes,
    alertPerSec: pushes / (alertMs / 1000),
    rawPerSec: pushes / (rawMs / 1000),
    zPerSec: pushes / (zMs / 1000),
    cycleMs,
    jsonMs,
    brandsPerHour: (BRANDS / cycleMs) * HOUR,
    sizeMedian: sizes[sizes.length >> 1]!,
    sizeMax: sizes[sizes.length - 1]!,
  };
}

// ------------------------------------------------------------------ report

const m0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toString() : '-');
const row = (label: string, o: Overall) =>
  `${label.padEnd(48)} ${nab(o).toFixed(1).padStart(5)}  ${`${o.detected}/${o.windows}`.padStart(5)}  ${`${Math.round(
    100 * o.recall,
  )}%`.padStart(
    4,
  )}  ${o.fp.toString().padStart(4)}  ${o.fpPerDay.toFixed(3)}  ${m0(o.latencyMedianMin).padStart(5)}  ${m0(
    o.fromLabelMedianMin,
  ).padStart(8)}`;
const head = `${'detector'.padEnd(48)}   NAB    hit  rec.    FP  FP/day  delay  vs label`;

const t0 = performance.now();
process.stderr.write(
  `DEV: ${dev.map((s) => `${s.name} (${s.rows.length} rows)`).join(', ')}; nab-more: ${more.length} series\n`,
);

const plainZ = rollingZ(1, 3, 24, false);
const devRows = {
  zPlain: score(dev, 'z plain', plainZ),
  zTuned: null as Overall | null,
  earshot: score(dev, 'auto', earshot('auto')),
  hourly: score(dev, 'hourly', hourlyRule(false)),
  hourlyPeek: score(dev, 'hourly peek', hourlyRule(true)),
};
process.stderr.write('  DEV leave-one-out...\n');
const devLoso = loso(dev, gateGrid);
const zUp = zGrid(false);
const zTunedDev = zUp.reduce(
  (best, c) => {
    const v = nab(score(dev, c.id, c.detector));
    return v > best.v + 1e-9 ? { c, v } : best;
  },
  { c: zUp[0]!, v: Number.NEGATIVE_INFINITY },
);
devRows.zTuned = score(dev, zTunedDev.c.id, zTunedDev.c.detector);
const zDevLoso = loso(dev, zUp);

process.stderr.write('  thinned DEV...\n');
const thinSets = THIN.map((p) => ({ p, set: thinned(p) }));
const thinRows = [10, 30, 0].map((minExcess) => ({
  minExcess,
  scores: thinSets.map(({ p, set }) => {
    const id = `thin ${p} ${minExcess}`;
    // Thinned series share keys with DEV: give the cache its own ids.
    return score(set, id, earshot('alert', minExcess === 0 ? { minExcess: 0, minRatio: 0 } : { minExcess }));
  }),
}));
process.stderr.write('  nab-more...\n');
const cats = [...new Set(more.map((s) => s.key.split('/')[0]!))];
const countSeries = more.filter(
  (s) => profileFor(s.rows) === 'alert' && /nyc_taxi|request_count/.test(s.key),
);
const moreRows = {
  raw: score(more, 'raw', earshot('raw')),
  auto: score(more, 'auto', earshot('auto')),
  alert: score(more, 'alert', earshot('alert')),
  zPlain: score(more, 'z plain both', rollingZ(1, 3, 24, true)),
  zDevTuned: (() => {
    const c = zGrid(true).find((x) => x.label === zTunedDev.c.label)!;
    return score(more, c.id, c.detector);
  })(),
};
process.stderr.write('  nab-more leave-one-out...\n');
const moreLoso = loso(more, rawGrid);
const zMoreLoso = loso(more, zGrid(true));
process.stderr.write('  speed...\n');
const sp = speed();

console.log('\nNAB DEV: realTweets AAPL, FB, IBM (8 windows), standard profile; delays are median minutes');
console.log('from the window start and from the labelled point\n');
console.log(head);
console.log(row('rolling z-score 1 d, 3σ, 24 h quiet (plain)', devRows.zPlain));
console.log(row(`rolling z-score tuned on DEV (${zTunedDev.c.label})`, devRows.zTuned));
console.log(row('rolling z-score, leave-one-series-out', zDevLoso.scores));
console.log(row('Earshot `detect` (auto = alert), in-sample', devRows.earshot));
console.log(row('Earshot leave-one-series-out (gates, budget)', devLoso.scores));
console.log(row('alert rule feed: hourly sums, pushed', devRows.hourly));
console.log(row('alert rule feed: hourly, peek every row + push', devRows.hourlyPeek));
const perSeries = dev
  .map((s) => `${s.name} ${nab(score([s], 'auto', earshot('auto'))).toFixed(1)}`)
  .join(', ');
console.log(`\nEarshot in-sample per series: ${perSeries}`);
console.log(`LOSO choices (Earshot): ${[...devLoso.chosen].map(([k, v]) => `${k} ← ${v}`).join('; ')}`);
console.log(`LOSO choices (z-score): ${[...zDevLoso.chosen].map(([k, v]) => `${k} ← ${v}`).join('; ')}`);

console.log(
  `\nVolume robustness: DEV thinned to ${THIN.map((p) => `${p * 100}%`).join(' / ')} of its mentions, alert profile`,
);
for (const r of thinRows)
  console.log(
    `  ${(r.minExcess ? `minExcess ${r.minExcess}` : 'no count gates').padEnd(16)} ${r.scores
      .map((o) => `${nab(o).toFixed(1)} (${o.detected}/${o.windows}, ${o.fp} FP)`)
      .join('  ')}`,
  );

console.log('\nnab-more: 37 other real NAB series (77 windows), standard profile\n');
console.log(head);
console.log(row('rolling z-score 1 d, 3σ, 24 h quiet, two-sided', moreRows.zPlain));
console.log(row(`rolling z-score as tuned on DEV, two-sided`, moreRows.zDevTuned));
console.log(row('rolling z-score, leave-one-series-out', zMoreLoso.scores));
console.log(row('Earshot --profile raw', moreRows.raw));
console.log(row('Earshot --profile raw, leave-one-series-out', moreLoso.scores));
console.log(row('Earshot auto (alert for integer series)', moreRows.auto));
console.log(row('Earshot --profile alert', moreRows.alert));
for (const c of cats) {
  const sub = more.filter((s) => s.key.startsWith(`${c}/`));
  console.log(row(`  raw, ${c} (${sub.length} series)`, score(sub, 'raw', earshot('raw'))));
}
console.log(
  row(
    `  raw, the count series (${countSeries.map((s) => s.name).join(', ')})`,
    score(countSeries, 'raw', earshot('raw')),
  ),
);
console.log(row('  alert, the same count series', score(countSeries, 'alert', earshot('alert'))));
const tally = new Map<string, number>();
for (const v of moreLoso.chosen.values()) tally.set(v, (tally.get(v) ?? 0) + 1);
console.log(
  `\nLOSO choices (raw, 37 folds): ${[...tally]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ×${v}`)
    .join('; ')}`,
);
console.log('Published on nab-more: ARTime 72.3, HTM 71.3, contextOSE 67.8.');

console.log('\nSpeed (one core of the shared machine, best of 3)');
console.log(
  `  pushes/s over the DEV series (${sp.pushes} rows): alert ${Math.round(sp.alertPerSec).toLocaleString('en')}, raw ${Math.round(
    sp.rawPerSec,
  ).toLocaleString('en')} (the plain rolling z-score: ${Math.round(sp.zPerSec).toLocaleString('en')})`,
);
console.log(
  `  hourly cycle of 1,000 brands (parse state, push an hour, peek the next, serialise): ${sp.cycleMs.toFixed(
    0,
  )} ms; the bare JSON round trip of the same states: ${sp.jsonMs.toFixed(0)} ms (${(
    sp.cycleMs / sp.jsonMs
  ).toFixed(1)}×)`,
);
console.log(
  `  capacity ${Math.round(sp.brandsPerHour).toLocaleString('en')} brand-hours per hour = ${(
    sp.brandsPerHour / 1000
  ).toFixed(0)}× the 1,000 brands evaluated hourly`,
);
console.log(`  state JSON after 8 weeks: median ${sp.sizeMedian} B, max ${sp.sizeMax} B per brand`);
console.log(`\nalert profile: ${JSON.stringify(spikeProfiles.alert)}`);
console.log(`raw profile:   ${JSON.stringify(spikeProfiles.raw)}`);
process.stderr.write(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
