/**
 * Throughput of query evaluation on prepared mentions (one core).
 *
 * @example
 * npm run bench:query
 */
import { performance } from 'node:perf_hooks';
import { compileQuery, prepareDoc } from '../src/query/index.ts';

const QUERIES = [
  '("acme" OR "艾克米") AND NOT (job OR hiring)',
  'acme OR #acme OR @acme_official',
  '(acme OR globex) NEAR/5 (refund OR scam OR 退款)',
  '"acme phone" -"phone case" lang:en',
  'acme* AND (site:example.com OR platform:reddit)',
  '"艾克米" NEAR/3 (退款 OR 投诉) OR title:艾克米',
  'title:"acme" OR author:acme_official OR url:acme.com/blog',
  '(acme OR "acme corp" OR acmecorp OR "艾克米" OR #acme) -(job OR hiring OR career* OR 招聘) -site:jobs.example.com',
];

const TEXTS = [
  'Just got my new Acme phone and the battery life is amazing! #acme',
  'Acme refused my refund for the broken charger, total scam. Never again.',
  'Hiring: senior engineer at Acme Corp, apply now https://jobs.example.com/acme',
  '我买了艾克米的手机，用了三天就坏了，申请退款一直没人理。',
  'Globex vs Acme: which one has the better camera? Thread below 👇',
  '艾克米新品发布会今天在上海举行，现场展示了多款产品。',
  'Does anyone know a good pizza place near the station? Asking for a friend.',
  `${'Long post about consumer electronics, pricing and customer service. '.repeat(20)} Acme mentioned once at the end.`,
];

const docs = TEXTS.map((text, i) =>
  prepareDoc({
    text,
    title: i % 3 === 0 ? 'Acme news' : null,
    url: `https://news.example.com/${i}`,
    lang: i % 2 ? 'en' : 'zh-CN',
    platform: 'reddit',
  }),
);
const compiled = QUERIES.map(compileQuery);

// Warm-up, then measure.
let sink = 0;
const round = () => {
  for (const d of docs) for (const q of compiled) if (q.match(d)) sink++;
};
for (let i = 0; i < 20_000; i++) round();
const rounds = 100_000;
const t0 = performance.now();
for (let i = 0; i < rounds; i++) round();
const ms = performance.now() - t0;
const evals = rounds * docs.length * compiled.length;
console.log(
  `evaluations: ${evals.toLocaleString('en')} in ${ms.toFixed(0)} ms = ${Math.round((evals / ms) * 1000).toLocaleString('en')} per second (mixed queries)`,
);

for (const q of compiled) {
  const n = 200_000;
  const s = performance.now();
  for (let i = 0; i < n; i++) if (q.match(docs[i % docs.length]!)) sink++;
  const rate = Math.round((n / (performance.now() - s)) * 1000);
  console.log(`${rate.toLocaleString('en').padStart(12)} /s  ${q.source}`);
}

const p0 = performance.now();
const prepN = 20_000;
for (let i = 0; i < prepN; i++)
  prepareDoc({ text: TEXTS[i % TEXTS.length]!, url: 'https://x.example.com/a' });
console.log(
  `prepareDoc: ${(((performance.now() - p0) / prepN) * 1000).toFixed(1)} µs per mention (average over the sample texts)`,
);
if (sink < 0) console.log(sink);
