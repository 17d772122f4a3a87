/**
 * Spike detection on NAB's real Twitter mention-volume series, scored by NAB's scorer
 * (../shared/tools/nab-score.mjs, spawned with node, --json):
 *   1. the production detector with its defaults, fed row by row (in-sample figure);
 *   2. leave-one-series-out: for each series, the grid below is searched on the other series only
 *      (each candidate scored by the scorer on a labels file holding just those series), the
 *      winner runs on the held-out series, and all held-out detections are scored together;
 *   3. a plain rolling z-score (one day of history, 3σ, one-day refractory) in the same run;
 *   4. the alert rule's view of the same series: the detector with its defaults on hourly sums
 *      (what `negative-spike` feeds it from `brand_hourly`), either pushed when the hour completes
 *      (detection at the hour's last row), or, as the rule does, also peeked at every row with the
 *      hour's count so far (detection at that row; a signal acted on is committed).
 *
 *   npm run bench:alerts            # add --wide to also report a wider grid (sensitivity)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createSpikeDetector,
  defaultSpikeParams,
  detectSeries,
  formatNabTimestamp,
  parseNabCsv,
  type SpikeParams,
} from '../alerts/spike.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const nabDir = path.resolve(repoRoot, '../shared/data/nab');
const scorerPath = path.resolve(repoRoot, '../shared/tools/nab-score.mjs');
const wide = process.argv.includes('--wide');

interface Scores {
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
type Detections = Record<string, string[]>;
type Rows = { at: Date; value: number }[];

const allWindows = JSON.parse(
  readFileSync(path.join(nabDir, 'labels/combined_windows.json'), 'utf8'),
) as Record<string, [string, string][]>;
const series = Object.keys(allWindows)
  .sort()
  .map((key) => ({
    key,
    name: path.basename(key, '.csv').replace(/^Twitter_volume_/, ''),
    rows: parseNabCsv(readFileSync(path.join(nabDir, key), 'utf8')),
  }));
type Series = (typeof series)[number];

const tmp = mkdtempSync(path.join(tmpdir(), 'earshot-bench-alerts-'));
// The scorer reads the labelled points (for "minutes from the label") next to the windows file.
writeFileSync(
  path.join(tmp, 'combined_labels.json'),
  readFileSync(path.join(nabDir, 'labels/combined_labels.json'), 'utf8'),
);
let spawned = 0;

/** Score detections with the NAB scorer, on a labels file restricted to `which`. */
async function score(detections: Detections, which: readonly Series[] = series): Promise<Scores> {
  const id = spawned++;
  const labels = path.join(tmp, `windows-${id}.json`);
  const dets = path.join(tmp, `detections-${id}.json`);
  writeFileSync(labels, JSON.stringify(Object.fromEntries(which.map((s) => [s.key, allWindows[s.key]]))));
  writeFileSync(dets, JSON.stringify(detections));
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [scorerPath, labels, dets, '--data', nabDir, '--json']);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`nab-score exited ${code}: ${stderr.trim()}`)),
    );
  });
  return (JSON.parse(out) as { overall: Scores }).overall;
}

const production = (rows: Rows, p: Partial<SpikeParams>) => detectSeries(rows, p).map((s) => s.at);

const HOUR = 3_600_000;

/**
 * The alert rule's feed: hourly sums pushed when the hour completes (missing hours as zeros),
 * and with `peek` the hour so far evaluated at every row. Detections are row timestamps.
 */
function hourlyRule(rows: Rows, peek: boolean): Date[] {
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
}

/** The baseline: plain rolling z-score over the last day, 3σ, one-day refractory. */
function rollingZ(rows: Rows): Date[] {
  const out: Date[] = [];
  const win: number[] = [];
  let sum = 0;
  let sumSq = 0;
  let quietUntil = 0;
  const dayBuckets = Math.round(
    86_400_000 / ((rows[1]?.at.getTime() ?? 0) - (rows[0]?.at.getTime() ?? 0) || 1),
  );
  for (const r of rows) {
    if (win.length >= dayBuckets) {
      const mean = sum / win.length;
      const sd = Math.sqrt(Math.max(0, sumSq / win.length - mean * mean)) || 1;
      if ((r.value - mean) / sd > 3 && r.at.getTime() > quietUntil) {
        out.push(r.at);
        quietUntil = r.at.getTime() + 86_400_000;
      }
      const old = win.shift()!;
      sum -= old;
      sumSq -= old * old;
    }
    win.push(r.value);
    sum += r.value;
    sumSq += r.value * r.value;
  }
  return out;
}

const asDetections = (list: { s: Series; at: Date[] }[]): Detections =>
  Object.fromEntries(list.map(({ s, at }) => [s.key, at.map(formatNabTimestamp)]));

/** The LOSO grid: the z floor, the alert budget (quantile of daily maxima) and the level memory. */
function grid(wider: boolean): Partial<SpikeParams>[] {
  const out: Partial<SpikeParams>[] = [];
  const zs = wider ? [3, 3.5, 4, 4.5] : [3, 3.5];
  const qs = wider ? [0.8, 0.85, 0.9, 0.95] : [0.8, 0.85, 0.9];
  for (const zOpen of zs)
    for (const thresholdQuantile of qs)
      for (const levelHalfLifeHours of [12, 24, 72])
        out.push({ zOpen, thresholdQuantile, levelHalfLifeHours });
  return out;
}

async function loso(candidates: Partial<SpikeParams>[], label: string) {
  const cache = new Map<string, Date[]>();
  const run = (s: Series, p: Partial<SpikeParams>) => {
    const k = `${s.key} ${JSON.stringify(p)}`;
    const hit = cache.get(k);
    if (hit) return hit;
    const v = production(s.rows, p);
    cache.set(k, v);
    return v;
  };
  const held: { s: Series; at: Date[] }[] = [];
  const chosen: string[] = [];
  for (const h of series) {
    const train = series.filter((s) => s !== h);
    let best = { p: candidates[0]!, nab: Number.NEGATIVE_INFINITY };
    for (const [i, p] of candidates.entries()) {
      const r = await score(asDetections(train.map((s) => ({ s, at: run(s, p) }))), train);
      if (r.nab.standard.normalised > best.nab + 1e-9) best = { p, nab: r.nab.standard.normalised };
      if (process.stderr.isTTY)
        process.stderr.write(`\r  ${label} hold out ${h.name}: ${i + 1}/${candidates.length}`);
    }
    process.stderr.write(
      `${process.stderr.isTTY ? '\r' : ''}  ${label} hold out ${h.name}: ${candidates.length} candidates scored\n`,
    );
    held.push({ s: h, at: run(h, best.p) });
    chosen.push(`${h.name}: ${JSON.stringify(best.p)} (training score ${best.nab.toFixed(1)})`);
  }
  return { scores: await score(asDetections(held)), chosen };
}

const min = (x: number | null) => (x === null || !Number.isFinite(x) ? '-' : Math.round(x).toString());
const fmt = (o: Scores) =>
  `${o.nab.standard.normalised.toFixed(1).padStart(5)}  ${`${o.detected}/${o.windows}`.padStart(4)}  ${o.fp
    .toString()
    .padStart(
      3,
    )}  ${o.fpPerDay.toFixed(3)}  ${min(o.latencyMedianMin).padStart(5)}  ${min(o.fromLabelMedianMin).padStart(8)}`;

try {
  const t0 = performance.now();
  process.stderr.write(
    `NAB DEV series: ${series.map((s) => `${s.name} (${s.rows.length} rows)`).join(', ')}\n`,
  );
  process.stderr.write('  baseline and defaults...\n');
  const base = await score(asDetections(series.map((s) => ({ s, at: rollingZ(s.rows) }))));
  const ours = await score(asDetections(series.map((s) => ({ s, at: production(s.rows, {}) }))));
  const hourly = await score(asDetections(series.map((s) => ({ s, at: hourlyRule(s.rows, false) }))));
  const hourlyPeek = await score(asDetections(series.map((s) => ({ s, at: hourlyRule(s.rows, true) }))));
  const main = await loso(grid(false), 'LOSO');
  const wider = wide ? await loso(grid(true), 'LOSO (wide grid)') : null;

  console.log('\nVolume-spike detection on NAB realTweets DEV (AAPL, FB, IBM; 8 windows), standard profile');
  console.log(
    'detector                             NAB   hit   FP  FP/day  delay  vs label  (delays: median minutes from window start / from labelled point)',
  );
  console.log(`rolling z-score 3σ (baseline)      ${fmt(base)}`);
  console.log(`Earshot defaults (in-sample)       ${fmt(ours)}`);
  console.log(`Earshot leave-one-series-out       ${fmt(main.scores)}`);
  if (wider) console.log(`Earshot LOSO, wide grid            ${fmt(wider.scores)}`);
  console.log(`alert rule: hourly, pushed         ${fmt(hourly)}`);
  console.log(`alert rule: hourly, peek + push    ${fmt(hourlyPeek)}`);
  const b = base.nab.standard.normalised;
  console.log(
    `ratio to baseline: ${(ours.nab.standard.normalised / b).toFixed(2)}× (defaults), ${(
      main.scores.nab.standard.normalised / b
    ).toFixed(2)}× (LOSO)`,
  );
  console.log(
    `window recall: ${(ours.recall * 100).toFixed(0)}% (defaults), ${(main.scores.recall * 100).toFixed(0)}% (LOSO)`,
  );
  console.log(`LOSO grid: ${grid(false).length} candidates; choices:\n  ${main.chosen.join('\n  ')}`);
  if (wider)
    console.log(`wide grid: ${grid(true).length} candidates; choices:\n  ${wider.chosen.join('\n  ')}`);
  console.log(`defaults: ${JSON.stringify(defaultSpikeParams)}`);
  process.stderr.write(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${spawned} scorer runs\n`);
} finally {
  for (const f of readdirSync(tmp)) rmSync(path.join(tmp, f));
  rmSync(tmp, { recursive: true, force: true });
}
