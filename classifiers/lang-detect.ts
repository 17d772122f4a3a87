import { detectAll } from 'tinyld';
import { z } from 'zod';
import { defineClassifier } from './types.ts';

/**
 * Language of short social text. Scripts decide first (Han → zh, kana → ja, Hangul → ko,
 * Arabic, Thai...), which is exact and fast and handles "mostly Chinese with a few Latin brand
 * names"; Latin and Cyrillic text goes to tinyld (n-gram, tuned for short text). URLs,
 * @mentions and hashtag marks are removed first, since they skew short posts. A source's `lang`
 * hint wins when detection is unsure.
 */
const SCRIPTS: [string, RegExp][] = [
  ['han', /\p{Script=Han}/u],
  ['kana', /[\p{Script=Hiragana}\p{Script=Katakana}]/u],
  ['hangul', /\p{Script=Hangul}/u],
  ['latin', /\p{Script=Latin}/u],
  ['cyrillic', /\p{Script=Cyrillic}/u],
  ['arabic', /\p{Script=Arabic}/u],
  ['greek', /\p{Script=Greek}/u],
  ['hebrew', /\p{Script=Hebrew}/u],
  ['thai', /\p{Script=Thai}/u],
  ['devanagari', /\p{Script=Devanagari}/u],
];

const SINGLE_SCRIPT: Record<string, string> = { hangul: 'ko', greek: 'el', hebrew: 'he', thai: 'th' };

/**
 * Function words of common Latin-script languages: a post with several of one language's and
 * few of the others' is decided without n-gram scoring (fast path, most of the traffic).
 */
const STOPWORDS: Record<string, string[]> = {
  en: ['the', 'and', 'is', 'are', 'was', 'to', 'of', 'it', 'this', 'that', 'with', 'for', 'you', 'my', 'not', 'have', 'but', 'be', 'they', 'on', 'at', 'i', "it's", "don't", 'just', 'so', 'very', 'would', 'what', 'there'],
  es: ['el', 'la', 'los', 'las', 'es', 'y', 'que', 'de', 'en', 'un', 'una', 'por', 'con', 'para', 'muy', 'pero', 'lo', 'se', 'del', 'está', 'como', 'más'],
  fr: ['le', 'la', 'les', 'est', 'et', 'de', 'des', 'un', 'une', 'pour', 'avec', 'pas', 'je', 'que', 'qui', 'dans', 'sur', 'très', "c'est", 'mais', 'du', 'au'],
  de: ['der', 'die', 'das', 'und', 'ist', 'nicht', 'ich', 'mit', 'für', 'ein', 'eine', 'auf', 'sehr', 'aber', 'zu', 'den', 'von', 'es', 'sich', 'auch', 'wie'],
  pt: ['o', 'os', 'as', 'é', 'e', 'que', 'de', 'um', 'uma', 'para', 'com', 'não', 'muito', 'mas', 'do', 'da', 'em', 'no', 'na', 'eu', 'você', 'está'],
  it: ['il', 'lo', 'gli', 'è', 'e', 'che', 'di', 'un', 'una', 'per', 'con', 'non', 'molto', 'ma', 'del', 'della', 'sono', 'ho', 'anche'],
  nl: ['de', 'het', 'een', 'en', 'is', 'niet', 'ik', 'met', 'voor', 'van', 'op', 'zijn', 'maar', 'heel', 'dat', 'wel'],
};
const STOP_INDEX = new Map<string, string[]>();
for (const [lang, words] of Object.entries(STOPWORDS)) {
  for (const w of words) STOP_INDEX.set(w, [...(STOP_INDEX.get(w) ?? []), lang]);
}

function stopwordGuess(s: string): { code: string; confidence: number } | null {
  const score = new Map<string, number>();
  let words = 0;
  for (const w of s.toLowerCase().split(/[^\p{L}'’]+/u)) {
    if (!w) continue;
    words++;
    const langs = STOP_INDEX.get(w.replace('’', "'"));
    if (langs) for (const l of langs) score.set(l, (score.get(l) ?? 0) + 1 / langs.length);
  }
  const ranked = [...score.entries()].sort((a, b) => b[1] - a[1]);
  const [best, second] = ranked;
  if (!best || best[1] < 2.5 || words < 4) return null;
  if (second && second[1] > best[1] * 0.4) return null;
  return { code: best[0], confidence: Math.min(0.98, 0.8 + best[1] / words) };
}

export interface LangResult {
  code: string;
  confidence: number;
  scripts: string[];
}

function scriptCounts(s: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const ch of s) {
    if (!/\p{L}/u.test(ch)) continue;
    for (const [name, re] of SCRIPTS) {
      if (re.test(ch)) {
        counts.set(name, (counts.get(name) ?? 0) + 1);
        break;
      }
    }
  }
  return counts;
}

/** Detect one text's language. `hint` is the source's own language field, if any. */
export function detectLanguage(text: string, hint?: string | null): LangResult {
  const clean = text
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/[@＠][\p{L}\p{N}_.]+/gu, ' ')
    .replace(/[#＃]/g, ' ')
    .replace(/\[[^\]]{1,8}\]/g, ' '); // Weibo emoticon codes like [哈哈] are not prose
  const counts = scriptCounts(clean);
  const scripts = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([n]) => n);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const hinted = hint ? hint.toLowerCase().split(/[-_]/)[0]! : undefined;
  if (total === 0) return { code: hinted ?? 'und', confidence: hinted ? 0.5 : 0, scripts };

  const han = counts.get('han') ?? 0;
  const kana = counts.get('kana') ?? 0;
  const latin = counts.get('latin') ?? 0;
  // A Han or kana character carries about as much as a Latin word (~4 letters).
  const cjkWeight = (han + kana) * 4;
  if (kana > 0 && kana >= (han + kana) * 0.1 && cjkWeight >= latin) return { code: 'ja', confidence: 0.97, scripts };
  if (han > 0 && cjkWeight >= latin) {
    return { code: hinted === 'ja' && kana === 0 ? 'ja' : 'zh', confidence: Math.min(0.99, 0.75 + han / (han + latin + 1) / 4), scripts };
  }
  const top = scripts[0]!;
  const single = SINGLE_SCRIPT[top];
  if (single) return { code: single, confidence: 0.97, scripts };

  if (top === 'latin') {
    const fast = stopwordGuess(clean);
    if (fast) return { ...fast, scripts };
  }
  // n-gram scoring on at most ~400 characters: longer reviews add time, not accuracy.
  const candidates = detectAll(clean.length > 400 ? clean.slice(0, 400) : clean);
  const best = candidates[0];
  if (!best) return { code: hinted ?? 'und', confidence: hinted ? 0.4 : 0.1, scripts };
  const second = candidates[1]?.accuracy ?? 0;
  let confidence = best.accuracy >= 1 ? 0.97 : best.accuracy / (best.accuracy + second + 0.05);
  const words = clean.split(/\s+/).filter((w) => /\p{L}/u.test(w)).length;
  if (words < 3) confidence *= 0.6;
  confidence = Math.max(0.05, Math.min(0.99, confidence));
  if (hinted && confidence < 0.6 && candidates.slice(0, 3).some((c) => c.lang === hinted)) {
    return { code: hinted, confidence: 0.6, scripts };
  }
  return { code: best.lang, confidence: Math.round(confidence * 1000) / 1000, scripts };
}

export const langDetect = defineClassifier({
  id: 'lang-detect',
  version: '1',
  description: 'Language of short social text (script rules, then tinyld), with confidence and scripts',
  options: z.object({}).strict(),
  produces: ['lang'],
  classify: (_ctx, inputs) => inputs.map((i) => ({ lang: detectLanguage(i.title ? `${i.title} ${i.text}` : i.text, i.lang) })),
});
