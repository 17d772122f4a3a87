import { CJK_RE, foldText, tokenize } from '../text.ts';
import type { QueryNode } from './ast.ts';

export interface MatchDoc {
  text: string;
  title?: string | null;
  authorHandle?: string | null;
  authorName?: string | null;
  url?: string | null;
  lang?: string | null;
  platform?: string | null;
}

interface Scope {
  /** Normalised text: runs of separators collapsed to one space, padded with spaces. */
  norm: string;
  /** norm index -> token index (for NEAR). */
  tokenAt: Int32Array;
  /** Word tokens in order (hashtags/mentions without their sigil for plain-term lookup). */
  words: string[];
  wordSet: Set<string>;
  tags: Set<string>;
}

/** A document prepared once and matched against every brand's query. */
export interface PreparedDoc {
  body: Scope;
  title: Scope;
  authorHandle: string;
  authorName: string;
  url: string;
  host: string;
  lang: string;
  platform: string;
}

// Apostrophes separate words here, so "Acme's" contains the word "acme".
const KEEP = /[\p{L}\p{N}\p{M}#@_]/u;

function scope(raw: string): Scope {
  const folded = foldText(raw);
  const toks = tokenize(folded, { folded: true });
  const words: string[] = [];
  const wordSet = new Set<string>();
  const tags = new Set<string>();
  // token index by folded offset
  const tokenOfOffset = new Int32Array(folded.length + 1).fill(-1);
  toks.forEach((t, i) => {
    const w = t.kind === 'hashtag' || t.kind === 'mention' ? t.t.slice(1) : t.t;
    words.push(w);
    wordSet.add(w);
    // Possessives and contractions: "acme's" also counts as "acme".
    const bare = w.replace(/['’]s$/u, '');
    if (bare !== w) wordSet.add(bare);
    if (t.kind === 'hashtag' || t.kind === 'mention') tags.add(t.t);
    for (let k = t.start; k < t.start + t.t.length && k < folded.length; k++) tokenOfOffset[k] = i;
  });
  let norm = ' ';
  const map: number[] = [-1];
  let last = -1;
  for (let i = 0; i < folded.length; i++) {
    const ch = folded[i]!;
    if (KEEP.test(ch)) {
      norm += ch;
      const ti = tokenOfOffset[i]!;
      map.push(ti >= 0 ? ti : last);
      if (ti >= 0) last = ti;
    } else if (!norm.endsWith(' ')) {
      norm += ' ';
      map.push(last);
    }
  }
  if (!norm.endsWith(' ')) {
    norm += ' ';
    map.push(last);
  }
  return { norm, tokenAt: Int32Array.from(map), words, wordSet, tags };
}

export function prepareDoc(doc: MatchDoc): PreparedDoc {
  let host = '';
  if (doc.url) {
    try {
      host = new URL(doc.url).hostname.toLowerCase().replace(/^www\./, '');
    } catch {
      host = '';
    }
  }
  const title = doc.title ?? '';
  return {
    body: scope(title ? `${title}\n${doc.text}` : doc.text),
    title: scope(title),
    authorHandle: foldText(doc.authorHandle ?? '').replace(/^@/, ''),
    authorName: foldText(doc.authorName ?? ''),
    url: foldText(doc.url ?? ''),
    host,
    lang: (doc.lang ?? '').toLowerCase(),
    platform: (doc.platform ?? '').toLowerCase(),
  };
}

const isCjk = (ch: string | undefined) => ch !== undefined && CJK_RE.test(ch);
const isWordChar = (ch: string | undefined) => ch !== undefined && ch !== ' ';

/** Phrase value normalised the way scope text is. */
function normPhrase(v: string): string {
  let out = '';
  for (const ch of v) {
    if (KEEP.test(ch)) out += ch;
    else if (!out.endsWith(' ')) out += ' ';
  }
  return out.trim();
}

/**
 * Start indexes in `s.norm` where phrase `p` occurs with word boundaries. A boundary is needed
 * only where the phrase edge is alphabetic: CJK text has no spaces, so `艾克米` matches inside
 * `我买了艾克米的手机`.
 */
function phraseHits(s: Scope, p: string, all: boolean): number[] {
  const hits: number[] = [];
  if (!p) return hits;
  const cjkStart = isCjk(p[0]);
  const cjkEnd = isCjk(p[p.length - 1]);
  let i = s.norm.indexOf(p);
  while (i >= 0) {
    const before = s.norm[i - 1];
    const after = s.norm[i + p.length];
    const okL = cjkStart || !isWordChar(before) || (isCjk(before) && !isCjk(p[0]));
    const okR = cjkEnd || !isWordChar(after) || (isCjk(after) && !isCjk(p[p.length - 1]));
    if (okL && okR) {
      hits.push(i);
      if (!all) break;
    }
    i = s.norm.indexOf(p, i + 1);
  }
  return hits;
}

type Pred = (d: PreparedDoc) => boolean;
type Positions = (s: Scope) => number[];

function positionsOf(n: QueryNode): Positions {
  switch (n.type) {
    case 'term':
      if (n.prefix) {
        const v = n.value;
        return (s) => s.words.flatMap((w, i) => (w.startsWith(v) ? [i] : []));
      }
      return (s) => s.words.flatMap((w, i) => (w === n.value ? [i] : []));
    case 'tag': {
      const bare = n.value.slice(1);
      return (s) => (s.tags.has(n.value) ? s.words.flatMap((w, i) => (w === bare ? [i] : [])) : []);
    }
    case 'phrase': {
      const p = normPhrase(n.value);
      return (s) => phraseHits(s, p, true).map((i) => s.tokenAt[i]!).filter((i) => i >= 0);
    }
    case 'or': {
      const parts = n.children.map(positionsOf);
      return (s) => parts.flatMap((f) => f(s));
    }
    default:
      return () => [];
  }
}

function fieldPred(n: Extract<QueryNode, { type: 'field' }>): Pred {
  const v = n.value;
  switch (n.field) {
    case 'author': {
      const handle = v.replace(/^@/, '');
      const p = normPhrase(v);
      return (d) => d.authorHandle === handle || (p !== '' && ` ${normPhrase(d.authorName)} `.includes(` ${p} `));
    }
    case 'site': {
      const host = v.replace(/^https?:\/\//, '').replace(/^www\./, '').replace(/\/.*$/, '');
      return (d) => d.host === host || d.host.endsWith(`.${host}`);
    }
    case 'url':
      return (d) => d.url.includes(v);
    case 'lang':
      return (d) => d.lang === v || d.lang.startsWith(`${v}-`);
    case 'platform':
      return (d) => d.platform === v;
    case 'title': {
      const inner = compileNode({ type: n.phrase ? 'phrase' : 'term', value: v, prefix: false, pos: n.pos } as QueryNode, 'title');
      return inner;
    }
  }
}

function compileNode(n: QueryNode, where: 'body' | 'title' = 'body'): Pred {
  switch (n.type) {
    case 'term': {
      const v = n.value;
      if (n.prefix) return (d) => d[where].words.some((w) => w.startsWith(v));
      return (d) => d[where].wordSet.has(v);
    }
    case 'tag':
      return (d) => d[where].tags.has(n.value);
    case 'phrase': {
      const p = normPhrase(n.value);
      return (d) => phraseHits(d[where], p, false).length > 0;
    }
    case 'field':
      return fieldPred(n);
    case 'and': {
      const parts = n.children.map((c) => compileNode(c, where));
      return (d) => parts.every((f) => f(d));
    }
    case 'or': {
      const parts = n.children.map((c) => compileNode(c, where));
      return (d) => parts.some((f) => f(d));
    }
    case 'not': {
      const inner = compileNode(n.child, where);
      return (d) => !inner(d);
    }
    case 'near': {
      const a = positionsOf(n.left);
      const b = positionsOf(n.right);
      const quickA = compileNode(n.left, where);
      const quickB = compileNode(n.right, where);
      // NEAR/n allows at most n words between the two operands.
      const span = n.distance + 1;
      const { ordered } = n;
      return (d) => {
        if (!quickA(d) || !quickB(d)) return false;
        const s = d[where];
        const pa = a(s);
        const pb = b(s);
        for (const x of pa) {
          for (const y of pb) {
            if (x === y) continue;
            if (ordered ? y > x && y - x <= span : Math.abs(y - x) <= span) return true;
          }
        }
        return false;
      };
    }
  }
}

export function compileAst(ast: QueryNode): Pred {
  return compileNode(ast);
}

/** Positive text terms and phrases (not under NOT, not fields), for brand targets and highlighting. */
export function positiveTerms(n: QueryNode, negated = false, out: string[] = []): string[] {
  switch (n.type) {
    case 'term':
    case 'phrase':
      if (!negated) out.push(n.value);
      break;
    case 'tag':
      if (!negated) out.push(n.value.slice(1));
      break;
    case 'and':
    case 'or':
      for (const c of n.children) positiveTerms(c, negated, out);
      break;
    case 'not':
      positiveTerms(n.child, !negated, out);
      break;
    case 'near':
      positiveTerms(n.left, negated, out);
      positiveTerms(n.right, negated, out);
      break;
    default:
      break;
  }
  return [...new Set(out)];
}
