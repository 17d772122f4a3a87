import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { EarshotError } from '../errors.ts';
import { plural } from './plural.ts';

/**
 * `earshot classify`: sentiment of a JSONL file, offline. Reads `{"id","text","lang"?}` lines,
 * writes `{"id","label","score","confidence","lang"}` lines in input order, plus
 * `"crisis":{"score","category"}` on posts with crisis language (score ≥ 0.5: a fire, a
 * poisoning, a breach, a scam, …; classifiers/crisis.ts): only JSON lines
 * on the output (stdout by default); warnings (bad lines, LLM fallback) go to stderr. A line
 * that is not a JSON object is reported on stderr and skipped; a missing or non-string
 * `text` is classified as empty (neutral). Lines without `lang` get one from lang-detect.
 *
 * With `--llm` and ANTHROPIC_API_KEY set, low-confidence results are sent through the LLM
 * pass (which falls back to the local result on any failure); without a key it stays offline.
 */
/** Crisis language at or above this score is printed with the line. */
const CRISIS_SHOWN = 0.5;

export async function runClassifyCli(
  o: { input: string; output?: string; llm?: boolean },
  io: { err: (s: string) => void; stdout?: Writable },
): Promise<void> {
  const [{ scoreSentiment }, { detectLanguage }] = await Promise.all([
    import('../../classifiers/sentiment.ts'),
    import('../../classifiers/lang-detect.ts'),
  ]);
  const sink: Writable = o.output ? createWriteStream(o.output) : (io.stdout ?? process.stdout);
  const input = createReadStream(o.input, 'utf8');
  const opened = new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve());
    input.once('error', (e) => reject(new EarshotError('BAD_REQUEST', `${o.input}: ${e.message}`)));
  });
  await opened;
  const refine = o.llm ? await llmRefiner(io.err) : undefined;

  let buf: {
    id: string;
    text: string;
    lang: string;
    label: string;
    score: number;
    confidence: number;
    crisis?: { score: number; category: string };
  }[] = [];
  const flush = async () => {
    if (buf.length === 0) return;
    const batch = buf;
    buf = [];
    if (refine) await refine(batch);
    const chunk = `${batch.map((r) => JSON.stringify({ id: r.id, label: r.label, score: r.score, confidence: r.confidence, lang: r.lang, ...(r.crisis ? { crisis: r.crisis } : {}) })).join('\n')}\n`;
    if (!sink.write(chunk)) await new Promise<void>((r) => sink.once('drain', () => r()));
  };

  let n = 0;
  let bad = 0;
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of rl) {
    n++;
    if (!line.trim()) continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      row = undefined;
    }
    if (!row || typeof row !== 'object' || Array.isArray(row)) {
      bad++;
      if (bad <= 20) io.err(`${o.input}:${n}: not a JSON object; skipped`);
      continue;
    }
    const r = row as { id?: unknown; text?: unknown; lang?: unknown };
    const id = typeof r.id === 'string' || typeof r.id === 'number' ? String(r.id) : `line-${n}`;
    const text = typeof r.text === 'string' ? r.text : '';
    const hint = typeof r.lang === 'string' && r.lang ? r.lang : undefined;
    const lang = hint ?? (text ? detectLanguage(text).code : 'und');
    const s = scoreSentiment(text, lang);
    buf.push({
      id,
      text,
      lang: s.lang === 'und' ? lang : s.lang,
      label: s.label,
      score: s.score,
      confidence: s.confidence,
      ...(s.crisis.category && s.crisis.score >= CRISIS_SHOWN
        ? { crisis: { score: s.crisis.score, category: s.crisis.category } }
        : {}),
    });
    if (buf.length >= (refine ? 50 : 2000)) await flush();
  }
  await flush();
  if (bad) io.err(`${o.input}: ${plural(bad, 'line')} skipped (not JSON objects)`);
  if (o.output)
    await new Promise<void>((resolve) => (sink as ReturnType<typeof createWriteStream>).end(resolve));
}

type Refiner = (
  batch: { id: string; text: string; lang: string; label: string; score: number; confidence: number }[],
) => Promise<void>;

async function llmRefiner(err: (s: string) => void): Promise<Refiner | undefined> {
  const { readEnv } = await import('../config/load.ts');
  const apiKey = readEnv().anthropicApiKey;
  if (!apiKey) {
    err('--llm: ANTHROPIC_API_KEY is not set; classifying offline');
    return undefined;
  }
  const [{ llm, llmOptions }, { createLogger }, { default: pino }] = await Promise.all([
    import('../../classifiers/llm.ts'),
    import('../log.ts'),
    import('pino'),
  ]);
  const options = llmOptions.parse({ apiKey });
  // Logs to stderr: stdout carries only JSON result lines.
  const ctx = {
    log: createLogger({ level: 'warn', destination: pino.destination(2) }).child({
      component: 'classify-cli',
    }),
  };
  return async (batch) => {
    const inputs = batch.map((b) => ({ id: b.id, text: b.text, lang: b.lang }));
    const prior = batch.map((b) => ({
      sentiment: {
        label: b.label as 'positive' | 'negative' | 'neutral',
        score: b.score,
        confidence: b.confidence,
      },
    }));
    try {
      const outs = await llm.classify(ctx, inputs, prior, options);
      outs.forEach((out, i) => {
        if (out.sentiment) Object.assign(batch[i]!, out.sentiment);
      });
    } catch (e) {
      err(`--llm: ${(e as Error).message}; local results kept`);
    }
  };
}
