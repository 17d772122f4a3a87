/**
 * What a per-brand correction model (`earshot train`) gains over the shipped sentiment model
 * when a brand's labels come from one domain: each labelled set stands in for one brand's
 * labels, with the same hash-of-id held-back part as the command (30%) and growing numbers of
 * training labels. Not a test; run by hand:
 *
 *   npx tsx tests/unit/classifiers/measure-feedback.ts <dir with *.jsonl> [set ...]
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  compareOnHeldBack,
  isHeldBack,
  type LabelledExample,
} from '../../../classifiers/_lib/feedback/model.ts';
import { scoreSentiment, sentimentLang } from '../../../classifiers/sentiment.ts';
import type { SentimentLabel } from '../../../classifiers/types.ts';

const [dir, ...sets] = process.argv.slice(2);
if (!dir) {
  console.error('usage: measure-feedback.ts <dir with *.jsonl> [set ...]');
  process.exit(2);
}
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const names = sets.length ? sets : ['chnsenticorp_htl', 'chnsenticorp', 'tweeteval_sentiment', 'vader_nyt'];
console.log(
  '| set | training labels | held back | shipped acc / macro-F1 | candidate acc / macro-F1 | promoted |',
);
console.log('|---|---|---|---|---|---|');
for (const name of names) {
  const rows = readFileSync(path.join(dir, `${name}.dev.jsonl`), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { id: string; text: string; lang?: string; label: SentimentLabel });
  const examples: LabelledExample[] = rows.map((r) => {
    const s = scoreSentiment(r.text, r.lang);
    return {
      id: r.id,
      text: r.text,
      zh: sentimentLang(r.text, r.lang) === 'zh',
      base: { label: s.label, score: s.score, confidence: s.confidence },
      gold: r.label,
    };
  });
  const held = examples.filter((e) => isHeldBack(e.id));
  // The files are sorted by label: take training labels in a hashed order, as they would come.
  const order = (id: string) => createHash('sha256').update(`order:${id}`).digest('hex');
  const pool = examples.filter((e) => !isHeldBack(e.id)).sort((a, b) => (order(a.id) < order(b.id) ? -1 : 1));
  for (const n of [50, 200, 1000, pool.length]) {
    if (n > pool.length) continue;
    const c = compareOnHeldBack([...held, ...pool.slice(0, n)], null);
    if (!c) continue;
    console.log(
      `| ${name} | ${c.trainN} | ${c.current.n} | ${pct(c.current.accuracy)} / ${pct(c.current.macroF1)} | ${pct(c.candidate.accuracy)} / ${pct(c.candidate.macroF1)} | ${c.better ? 'yes' : 'no'} |`,
    );
  }
}
