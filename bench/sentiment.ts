/**
 * Sentiment accuracy and throughput: Earshot against four open-source peers on every
 * ../shared/data/sentiment/*.dev.jsonl file, in one run, on one core (docs per CPU-second).
 *
 *   npm run bench:sentiment            # prints the table, rewrites `## Sentiment` in docs/benchmarks.md
 *   npm run bench:sentiment -- --no-write
 *
 * Peers (English only; Chinese: n/a): vader-sentiment (compound), sentiment (AFINN-165 `score`),
 * wink-sentiment (`score`), natural's SentimentAnalyzer (AFINN, Porter stemmer, mean per word).
 * A peer's number is mapped to a label by score > 0.05 → positive, < -0.05 → negative, else
 * neutral. Metrics come from the shared `evaluate` (../shared/tools/metrics.mjs), so figures are
 * comparable with sentiment-score.mjs.
 *
 * Which Earshot figure is honest (classifiers/models/sentiment-cv.json, from the trainer): the
 * models train on the TRAIN splits, so on sets with a TRAIN file, and on the ChnSentiCorp sets
 * (never trained on), the shipped pipeline's DEV figure measured here is honest. Sets with no
 * TRAIN file are cross-fitted: their DEV lines are in the shipped model, so the honest figure is
 * the trainer's out-of-fold one (marked †) and the shipped figure here is optimistic. "TRAIN CV"
 * is 5-fold cross-validation on the TRAIN lines.
 *
 * Probes: `tests/fixtures/sentiment-probes/{holdout,dev}.jsonl` per language and kind (crisis
 * posts, complaints, neutral and positive controls), against the targets.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { scoreSentiment } from '../classifiers/sentiment.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const DATA = path.resolve(repoRoot, '../shared/data/sentiment');
const require = createRequire(import.meta.url);

type Label = 'positive' | 'negative' | 'neutral';
interface Row {
  id: string;
  text: string;
  lang: string;
  label: Label;
}
interface Metrics {
  accuracy: number;
  macroF1: number;
  macroRecall: number;
  classes: string[];
}
type Evaluate = (gold: string[], pred: string[]) => Metrics;

interface Figures {
  accuracy: number;
  macroF1: number;
  macroRecall: number;
}
interface SetFigures {
  devKind: 'held-out' | 'cross-fitted' | 'measure-only';
  dev: Figures;
  trainCv?: Figures;
}

const toLabel = (x: number): Label => (x > 0.05 ? 'positive' : x < -0.05 ? 'negative' : 'neutral');

function peers(): Record<string, (t: string) => number> {
  const { SentimentIntensityAnalyzer } = require('vader-sentiment') as {
    SentimentIntensityAnalyzer: { polarity_scores(t: string): { compound: number } };
  };
  const Afinn = require('sentiment') as new () => { analyze(t: string): { score: number } };
  const wink = require('wink-sentiment') as (t: string) => { score: number };
  // natural 8's index loads database drivers and prints to stdout: import submodules only.
  // The module exports the class itself (CommonJS).
  const SentimentAnalyzer = require('natural/lib/natural/sentiment/SentimentAnalyzer.js') as new (
    lang: string,
    stemmer: unknown,
    vocab: string,
  ) => { getSentiment(w: string[]): number };
  const porter = require('natural/lib/natural/stemmers/porter_stemmer.js') as unknown;
  const { WordTokenizer } = require('natural/lib/natural/tokenizers/regexp_tokenizer.js') as {
    WordTokenizer: new () => { tokenize(t: string): string[] };
  };
  const afinn = new Afinn();
  const nat = new SentimentAnalyzer('English', porter, 'afinn');
  const tok = new WordTokenizer();
  return {
    vader: (t) => SentimentIntensityAnalyzer.polarity_scores(t).compound,
    afinn: (t) => afinn.analyze(t).score,
    wink: (t) => wink(t).score,
    natural: (t) => {
      const v = nat.getSentiment(tok.tokenize(t));
      return Number.isFinite(v) ? v : 0;
    },
  };
}

const REPS = 3;

/**
 * Run `f` over `rows`, timed in CPU time of this process (user + system, `process.cpuUsage`), not
 * wall time, best of three passes: the machine is shared, and other load would otherwise count
 * against us. V8's GC helper threads are included, so the figure is conservative for one core.
 */
function timed<T>(rows: Row[], f: (r: Row) => T, reps = REPS): { out: T[]; perSec: number; ms: number } {
  let out: T[] = [];
  let ms = Number.POSITIVE_INFINITY;
  // Best of `reps` passes: the fastest pass is the one least disturbed by other work.
  for (let k = 0; k < reps; k++) {
    const c0 = process.cpuUsage();
    out = rows.map(f);
    const c = process.cpuUsage(c0);
    ms = Math.min(ms, (c.user + c.system) / 1000);
  }
  return { out, perSec: rows.length / (ms / 1000), ms };
}

const pct = (x: number | undefined) =>
  x === undefined || !Number.isFinite(x) ? 'n/a' : (100 * x).toFixed(1);

async function main(): Promise<void> {
  const { evaluate } = (await import(
    pathToFileURL(path.resolve(repoRoot, '../shared/tools/metrics.mjs')).href
  )) as {
    evaluate: Evaluate;
  };
  let cv: Record<string, SetFigures> = {};
  try {
    cv = (
      JSON.parse(readFileSync(path.resolve(repoRoot, 'classifiers/models/sentiment-cv.json'), 'utf8')) as {
        sets: typeof cv;
      }
    ).sets;
  } catch {
    console.error('no classifiers/models/sentiment-cv.json: run npm run train:sentiment');
  }
  const files = readdirSync(DATA)
    .filter((f) => f.endsWith('.dev.jsonl'))
    .sort();
  const P = peers();
  // Warm up (model load, jieba dictionary, JIT) outside the timings.
  for (let i = 0; i < 200; i++) {
    scoreSentiment('warm up, not bad at all!', 'en');
    scoreSentiment('预热一下，还不错', 'zh');
    for (const p of Object.values(P)) p('warm up, not bad at all!');
  }
  // A real JIT warm-up: one untimed pass over a few thousand lines of each language.
  for (const file of files.filter((f) => /^(tweeteval|waimai|vader_movie)/.test(f))) {
    const rows = readFileSync(path.join(DATA, file), 'utf8').split('\n').filter(Boolean).slice(0, 3000);
    for (const l of rows) {
      const r = JSON.parse(l) as Row;
      scoreSentiment(r.text, r.lang);
      if (r.lang === 'en') P.vader!(r.text);
    }
  }
  const lines: string[] = [];
  const header = `| set | lang | n | classes | Earshot DEV acc / F1 (honest) | shipped pipeline on DEV | TRAIN 5-fold CV | VADER | AFINN (sentiment) | wink | natural | Earshot docs/s | VADER docs/s |`;
  lines.push(
    header,
    `|${header
      .split('|')
      .slice(1, -1)
      .map(() => '---')
      .join('|')}|`,
  );
  const totals = {
    earshotMs: 0,
    vaderMs: 0,
    enDocs: 0,
    shortMs: 0,
    shortDocs: 0,
    shortVaderMs: 0,
    zhShortMs: 0,
    zhShortDocs: 0,
  };
  const zhAcc: number[] = [];
  const zhSets: { set: string; acc: number }[] = [];
  const verdicts: string[] = [];
  let tweeteval = '';
  /** The honest DEV figure of a set: cross-fitted sets from the trainer, others as measured now. */
  const honestOf = (set: string, measured: Metrics) => {
    const c = cv[set];
    const crossFitted = c?.devKind === 'cross-fitted';
    const f = crossFitted ? c.dev : measured;
    return { accuracy: f.accuracy, macroF1: f.macroF1, macroRecall: f.macroRecall, crossFitted };
  };
  for (const file of files) {
    const set = file.replace('.dev.jsonl', '');
    const rows = readFileSync(path.join(DATA, file), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Row);
    const gold = rows.map((r) => r.label);
    const lang = rows[0]?.lang ?? 'en';
    const e = timed(rows, (r) => scoreSentiment(r.text, r.lang).label);
    const em = evaluate(gold, e.out);
    const peerM: Record<string, Metrics | undefined> = {};
    let vaderPerSec: number | undefined;
    if (lang === 'en') {
      for (const [name, f] of Object.entries(P)) {
        const t = timed(rows, (r) => toLabel(f(r.text)));
        peerM[name] = evaluate(gold, t.out);
        if (name === 'vader') {
          vaderPerSec = t.perSec;
          totals.vaderMs += t.ms;
        }
      }
      totals.earshotMs += e.ms;
      totals.enDocs += rows.length;
      // "Short texts": sets whose mean length is tweet-sized (≤ 140 characters).
      if (rows.reduce((a, r) => a + r.text.length, 0) / rows.length <= 140) {
        totals.shortMs += e.ms;
        totals.shortDocs += rows.length;
        totals.shortVaderMs += (rows.length / (vaderPerSec ?? 1)) * 1000;
      }
      const bestPeer = Math.max(...Object.values(peerM).map((m) => m?.accuracy ?? 0));
      const bestPeerF1 = Math.max(...Object.values(peerM).map((m) => m?.macroF1 ?? 0));
      const h = honestOf(set, em);
      verdicts.push(
        `- ${set}: DEV accuracy ${pct(h.accuracy)}${h.crossFitted ? ' (cross-fitted)' : ''} vs best peer ${pct(bestPeer)} → ${((h.accuracy - bestPeer) * 100).toFixed(1)} points (${h.accuracy - bestPeer >= 0.05 ? 'met' : `missed by ${((0.05 - (h.accuracy - bestPeer)) * 100).toFixed(1)}`}); macro-F1 ${((h.macroF1 - bestPeerF1) * 100).toFixed(1)} points over the best peer's`,
      );
      if (set === 'tweeteval_sentiment')
        tweeteval = `TweetEval (DEV, never trained on): 3-class accuracy ${pct(h.accuracy)}% (target 66%), macro-recall ${pct(h.macroRecall)}%, macro-F1 ${pct(h.macroF1)}%; TRAIN 5-fold CV accuracy ${pct(cv[set]?.trainCv?.accuracy)}%`;
    } else {
      if (rows.reduce((a, r) => a + r.text.length, 0) / rows.length <= 140) {
        totals.zhShortMs += e.ms;
        totals.zhShortDocs += rows.length;
      }
      zhAcc.push(em.accuracy);
      zhSets.push({ set, acc: honestOf(set, em).accuracy });
    }
    const fmt = (m: Figures | undefined) => (m ? `${pct(m.accuracy)} / ${pct(m.macroF1)}` : 'n/a');
    const h = honestOf(set, em);
    const c = cv[set];
    lines.push(
      `| ${set} | ${lang} | ${rows.length} | ${em.classes.length} | ${fmt(h)}${h.crossFitted ? ' †' : c?.devKind === 'measure-only' ? ' (never trained on)' : ''} | ${fmt(em)}${h.crossFitted ? ' (optimistic)' : ''} | ${c?.trainCv ? fmt(c.trainCv) : 'no TRAIN file'} | ${fmt(peerM.vader)} | ${fmt(peerM.afinn)} | ${fmt(peerM.wink)} | ${fmt(peerM.natural)} | ${Math.round(e.perSec).toLocaleString('en-US')} | ${vaderPerSec ? Math.round(vaderPerSec).toLocaleString('en-US') : 'n/a'} |`,
    );
    console.error(`${set}: done`);
  }
  const zhAvg = zhAcc.reduce((a, b) => a + b, 0) / Math.max(1, zhAcc.length);
  const zhCvSets = zhSets.map((z) => z.set).filter((k) => cv[k]?.trainCv);
  const zhHonest = zhAcc.length ? zhSets.reduce((a, z) => a + z.acc, 0) / zhSets.length : Number.NaN;
  const probes = probeReport();
  const enRate = totals.enDocs / (totals.earshotMs / 1000);
  const vaderRate = totals.enDocs / (totals.vaderMs / 1000);
  const summary = [
    `Chinese ${zhAcc.length}-set mean DEV accuracy (honest; weibo_senti cross-fitted): ${pct(zhHonest)}% (target 90%); shipped pipeline ${pct(zhAvg)}%`,
    `English short-text throughput (sets with mean length ≤ 140 chars): Earshot ${Math.round(totals.shortDocs / (totals.shortMs / 1000)).toLocaleString('en-US')} docs/s, ${(totals.shortVaderMs / totals.shortMs).toFixed(1)}× VADER`,
    `Chinese short-text throughput (sets with mean length ≤ 140 chars): Earshot ${Math.round(totals.zhShortDocs / (totals.zhShortMs / 1000)).toLocaleString('en-US')} docs/s (jieba segmentation included)`,
    `English throughput, all sets: Earshot ${Math.round(enRate).toLocaleString('en-US')} docs/s, VADER ${Math.round(vaderRate).toLocaleString('en-US')} docs/s on one core: ${(enRate / vaderRate).toFixed(1)}× VADER (targets ≥ 20,000 docs/s and ≥ 5×)`,
    tweeteval,
    zhCvSets.length
      ? `Chinese TRAIN 5-fold CV accuracy: ${zhCvSets.map((k) => `${k} ${pct(cv[k]!.trainCv!.accuracy)}`).join(', ')}`
      : '',
  ].filter(Boolean);
  const table = lines.join('\n');
  process.stdout.write(
    `${table}\n\n${summary.join('\n')}\n\nEnglish targets (best peer + 5 points, DEV accuracy):\n${verdicts.join('\n')}\n\n${probes.join('\n')}\n`,
  );
  if (!process.argv.includes('--no-write')) writeDocs(table, summary, verdicts, probes);
}

interface Probe {
  id: string;
  lang: string;
  kind: string;
  label: Label;
  category?: string;
  text: string;
}
const PROBES = path.resolve(repoRoot, 'tests/fixtures/sentiment-probes');
/** Probe groups and their targets: share of posts given the expected label. */
export const PROBE_GROUPS = [
  { name: 'crisis posts negative', kinds: ['crisis'], target: 0.95 },
  { name: 'everyday complaints negative', kinds: ['complaint'], target: 0.9 },
  {
    name: 'neutral controls neutral',
    kinds: ['question', 'comparison', 'job', 'news', 'context'],
    target: 0.85,
  },
  { name: 'positive controls positive', kinds: ['praise', 'slang'], target: 0.85 },
] as const;

/** Per-language, per-group figures on the probe sets (held-out one first). */
function probeReport(): string[] {
  const out: string[] = [
    'Probe sets (tests/fixtures/sentiment-probes; holdout.jsonl written before the crisis lexicon and never tuned on):',
    '',
    '| probe set | lang | group | right | share | target | crisis category right |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const file of ['holdout', 'dev']) {
    const rows = readFileSync(path.join(PROBES, `${file}.jsonl`), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Probe);
    for (const lang of ['en', 'zh']) {
      for (const g of PROBE_GROUPS) {
        const items = rows.filter((r) => r.lang === lang && (g.kinds as readonly string[]).includes(r.kind));
        if (!items.length) continue;
        const res = items.map((r) => scoreSentiment(r.text, r.lang));
        const right = res.filter((x, i) => x.label === items[i]!.label).length;
        const cat = items.some((r) => r.category)
          ? `${res.filter((x, i) => x.crisis.category === items[i]!.category).length}/${items.length}`
          : '';
        const share = right / items.length;
        out.push(
          `| ${file} | ${lang} | ${g.name} | ${right}/${items.length} | ${pct(share)}% | ${pct(g.target)}% ${share >= g.target ? 'met' : 'missed'} | ${cat} |`,
        );
      }
    }
  }
  return out;
}

function writeDocs(table: string, summary: string[], verdicts: string[], probes: string[]): void {
  const file = path.resolve(repoRoot, 'docs/benchmarks.md');
  let doc = '';
  try {
    doc = readFileSync(file, 'utf8');
  } catch {
    doc = '# Benchmarks\n';
  }
  const generated = [
    '<!-- sentiment-table:start (written by npm run bench:sentiment) -->',
    `Run: \`npm run bench:sentiment\` (Node ${process.version}, ${new Date().toISOString().slice(0, 10)}). Accuracy / macro-F1 in %, DEV splits; † cross-fitted (out-of-fold) figure of a set with no TRAIN file.`,
    '',
    table,
    '',
    ...summary.map((s) => `- ${s}`),
    '',
    'English targets (best peer + 5 points in DEV accuracy):',
    '',
    ...verdicts,
    '',
    ...probes,
    '<!-- sentiment-table:end -->',
  ].join('\n');
  const start = doc.indexOf('<!-- sentiment-table:start');
  const end = doc.indexOf('<!-- sentiment-table:end -->');
  if (start >= 0 && end > start)
    doc = doc.slice(0, start) + generated + doc.slice(end + '<!-- sentiment-table:end -->'.length);
  else if (doc.includes('## Sentiment')) {
    const i = doc.indexOf('## Sentiment');
    const next = doc.indexOf('\n## ', i + 5);
    const at = next >= 0 ? next : doc.length;
    doc = `${doc.slice(0, at).trimEnd()}\n\n${generated}\n${doc.slice(at)}`;
  } else doc = `${doc.trimEnd()}\n\n## Sentiment\n\n${generated}\n`;
  writeFileSync(file, doc);
  console.error(`wrote ${path.relative(repoRoot, file)}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
