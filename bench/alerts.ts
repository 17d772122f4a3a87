/**
 * Spike detection on NAB's real Twitter mention-volume series, scored with NAB's own scorer
 * (../shared/tools/nab-score.mjs): the production detector with its defaults (in-sample), then
 * leave-one-series-out (parameters chosen on the other series only, scored on the held-out
 * one), and a plain rolling z-score baseline measured in the same run.
 *
 *   npm run bench:alerts
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  defaultSpikeParams,
  detectSeries,
  formatNabTimestamp,
  parseNabCsv,
  type SpikeParams,
} from '../alerts/spike.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const nabDir = path.resolve(root, '../shared/data/nab');
const scorer = (await import(pathToFileURL(path.resolve(root, '../shared/tools/nab-score.mjs')).href)) as {
  loadSet: (labels: string) => { key: string; name: string }[];
  scoreSet: (set: unknown, detections: Record<string, string[]>, profiles?: string[]) => { overall: Overall };
};
interface Overall {
  recall: number;
  fpPerDay: number;
  latencyMedianMin: number;
  fromLabelMedianMin: number;
  nab: { standard: { normalised: number } };
}

const set = scorer.loadSet(nabDir);
const series = set.map((s) => ({
  name: s.name.replace(/^Twitter_volume_|\.csv$/g, ''),
  key: s.key,
  rows: parseNabCsv(readFileSync(path.join(nabDir, s.key), 'utf8')),
}));

type Detector = (rows: { at: Date; value: number }[]) => Date[];
const production =
  (p: Partial<SpikeParams>): Detector =>
  (rows) =>
    detectSeries(rows, p).map((s) => s.at);

/** A plain rolling z-score (one day of history, 3σ, one-day refractory): the baseline. */
const zscore: Detector = (rows) => {
  const out: Date[] = [];
  const win: number[] = [];
  let quietUntil = 0;
  for (const r of rows) {
    if (win.length >= 288) {
      const mean = win.reduce((a, b) => a + b, 0) / win.length;
      const sd = Math.sqrt(win.reduce((a, b) => a + (b - mean) ** 2, 0) / win.length) || 1;
      if ((r.value - mean) / sd > 3 && r.at.getTime() > quietUntil) {
        out.push(r.at);
        quietUntil = r.at.getTime() + 86_400_000;
      }
      win.shift();
    }
    win.push(r.value);
  }
  return out;
};

function score(det: Detector, which = series): Overall {
  const detections: Record<string, string[]> = {};
  for (const s of which) detections[s.key] = det(s.rows).map(formatNabTimestamp);
  const sub = set.filter((x) => which.some((s) => s.key === x.key));
  return scorer.scoreSet(sub, detections, ['standard']).overall;
}

const fmt = (o: Overall) =>
  `NAB ${o.nab.standard.normalised.toFixed(1).padStart(5)}  recall ${(o.recall * 100).toFixed(0).padStart(3)}%  FP/day ${o.fpPerDay.toFixed(3)}  delay from window start ${Math.round(o.latencyMedianMin)} min (from label ${Math.round(o.fromLabelMedianMin)} min)`;

const grid: Partial<SpikeParams>[] = [];
for (const zOpen of [3, 4, 5])
  for (const minRatio of [1.5, 2.5, 4])
    for (const cooldownHours of [12, 24, 48])
      for (const window of [1, 3])
        for (const levelHalfLifeHours of [6, 24])
          grid.push({ zOpen, minRatio, cooldownHours, window, levelHalfLifeHours });

process.stderr.write(
  `NAB DEV series: ${series.map((s) => `${s.name} (${s.rows.length} rows)`).join(', ')}\n`,
);
const base = score(zscore);
const ours = score(production({}));

// Leave one series out: choose parameters on the others, score the held-out series' detections together.
const heldOut: Record<string, string[]> = {};
const chosen: string[] = [];
for (const held of series) {
  const train = series.filter((s) => s !== held);
  let best = { params: {} as Partial<SpikeParams>, nab: Number.NEGATIVE_INFINITY };
  for (const [i, g] of grid.entries()) {
    const nab = score(production(g), train).nab.standard.normalised;
    if (nab > best.nab) best = { params: g, nab };
    if (process.stderr.isTTY) process.stderr.write(`\r  LOSO ${held.name}: ${i + 1}/${grid.length}`);
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  heldOut[held.key] = production(best.params)(held.rows).map(formatNabTimestamp);
  chosen.push(`${held.name}: ${JSON.stringify(best.params)} (train ${best.nab.toFixed(1)})`);
}
const loso = scorer.scoreSet(set, heldOut, ['standard']).overall;

console.log('\nVolume-spike detection on NAB realTweets (DEV: AAPL, FB, IBM; 8 windows), standard profile');
console.log(`baseline rolling z-score (3σ)      ${fmt(base)}`);
console.log(`Earshot, defaults (in-sample)     ${fmt(ours)}`);
console.log(`Earshot, leave-one-series-out     ${fmt(loso)}`);
console.log(
  `ratio Earshot/baseline NAB score: ${(ours.nab.standard.normalised / base.nab.standard.normalised).toFixed(2)} (defaults), ${(loso.nab.standard.normalised / base.nab.standard.normalised).toFixed(2)} (LOSO)`,
);
console.log(`defaults: ${JSON.stringify(defaultSpikeParams)}`);
console.log(`LOSO choices:\n  ${chosen.join('\n  ')}`);
