/**
 * Language detection: accuracy on labelled JSONL files (`{"id","lang","text"}` lines) and
 * throughput on one core. Not a test (vitest only picks `*.test.ts`); run it by hand:
 *
 *   npx tsx tests/unit/classifiers/measure-lang-detect.ts <dir with *.jsonl> [--errors 20]
 *
 * Throughput is measured twice: on the labelled texts cut to 140 characters (short social
 * posts, the ingest case) and on the texts as they are.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { detectLanguage } from '../../../classifiers/lang-detect.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { errors: { type: 'string', default: '0' } },
});
const dir = positionals[0];
if (!dir) {
  console.error('usage: measure-lang-detect.ts <dir with *.jsonl> [--errors N]');
  process.exit(2);
}
const rows: { id: string; lang: string; text: string }[] = [];
for (const f of readdirSync(dir)
  .filter((n) => n.endsWith('.jsonl'))
  .sort()) {
  for (const line of readFileSync(path.join(dir, f), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as { id: string; lang?: string; text: string };
    if (r.lang) rows.push({ id: r.id, lang: r.lang, text: r.text });
  }
}
const byLang = new Map<string, { n: number; ok: number }>();
const confusion = new Map<string, number>();
const errors: string[] = [];
let ok = 0;
for (const r of rows) {
  const got = detectLanguage(r.text).code;
  const s = byLang.get(r.lang) ?? { n: 0, ok: 0 };
  s.n++;
  if (got === r.lang) {
    s.ok++;
    ok++;
  } else {
    confusion.set(`${r.lang}->${got}`, (confusion.get(`${r.lang}->${got}`) ?? 0) + 1);
    if (errors.length < Number(values.errors))
      errors.push(`${r.id}\t${r.lang}->${got}\t${r.text.slice(0, 120)}`);
  }
  byLang.set(r.lang, s);
}
const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(2)}%`;
console.log(`accuracy ${pct(ok, rows.length)} (${ok}/${rows.length})`);
for (const [l, s] of byLang) console.log(`  ${l}: ${pct(s.ok, s.n)} (${s.ok}/${s.n})`);
console.log(
  '  errors:',
  [...confusion.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([k, v]) => `${k} ${v}`)
    .join(', '),
);
for (const e of errors) console.log(`  ${e}`);

/**
 * Texts per second of wall time and per second of this process's CPU time. On a shared
 * machine the wall figure drops with other load; the CPU figure is the cost per core.
 */
function throughput(texts: string[]): string {
  for (const t of texts.slice(0, 2000)) detectLanguage(t); // warm-up (JIT)
  let n = 0;
  const start = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let elapsed = 0;
  while (elapsed < 3) {
    for (const t of texts) detectLanguage(t);
    n += texts.length;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  return `${Math.round(n / cpuS)} texts per CPU-second (${Math.round(n / elapsed)} per wall-second)`;
}
const short = rows.map((r) => r.text.slice(0, 140));
console.log(`throughput (≤140 chars): ${throughput(short)}`);
console.log(
  `throughput (full texts, mean ${Math.round(rows.reduce((a, r) => a + r.text.length, 0) / rows.length)} chars): ${throughput(rows.map((r) => r.text))}`,
);
