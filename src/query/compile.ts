import type { MetaField, QueryNode, TextNode } from './ast.ts';
import { CJK_CHAR_RE, needleOf, normalizeFolded } from './chars.ts';
import type { PreparedDoc } from './prepare.ts';

export type Predicate = (d: PreparedDoc) => boolean;

/** A text operand: does it occur, and where (for NEAR). */
interface Leaf {
  test: Predicate;
  /** Push the [start, end) spans in `d.norm` of every occurrence (in scope) onto `out`. */
  spans(d: PreparedDoc, out: number[]): void;
}

interface Compiled {
  test: Predicate;
  /** Rough cost, to evaluate cheap children of AND/OR first (they have no side effects). */
  cost: number;
}

function leafFor(n: TextNode): Leaf & { cost: number } {
  const title = n.scope === 'title';
  switch (n.type) {
    case 'tag':
      return tagLeaf(n.value, title);
    case 'wildcard':
      return wildcardLeaf(n.value, title);
    case 'term':
    case 'phrase': {
      const body = normalizeFolded(n.value);
      if (!body.includes(' ') && !CJK_CHAR_RE.test(body)) return wordLeaf(body, title);
      return literalLeaf(body, false, title);
    }
  }
}

/** One alphabetic token: a set lookup. */
function wordLeaf(word: string, title: boolean): Leaf & { cost: number } {
  const spans = literalLeaf(word, false, title).spans;
  return {
    test: title ? (d) => d.titleWords.has(word) : (d) => d.words.has(word),
    spans,
    cost: 1,
  };
}

/** Anything else without wildcards: one `indexOf` on the normalised text. */
function literalLeaf(body: string, prefix: boolean, title: boolean): Leaf & { cost: number } {
  const { needle, lead } = needleOf(body, { prefix });
  return {
    test: title
      ? (d) => {
          const i = d.norm.indexOf(needle);
          return i >= 0 && i < d.titleEnd;
        }
      : (d) => d.norm.indexOf(needle) >= 0,
    spans(d, out) {
      const limit = title ? d.titleEnd : d.norm.length;
      for (let i = d.norm.indexOf(needle); i >= 0 && i < limit; i = d.norm.indexOf(needle, i + 1)) {
        const start = i + lead;
        // A prefix match runs to the end of the token it starts.
        const end = prefix ? d.norm.indexOf(' ', start + body.length) : start + body.length;
        out.push(start, end);
      }
    },
    cost: 3,
  };
}

function tagLeaf(tag: string, title: boolean): Leaf & { cost: number } {
  return {
    test: title
      ? (d) => {
          const list = d.tags.get(tag);
          return list !== undefined && list[0]! < d.titleEnd;
        }
      : (d) => d.tags.has(tag),
    spans(d, out) {
      const list = d.tags.get(tag);
      if (!list) return;
      const limit = title ? d.titleEnd : d.norm.length;
      for (let i = 0; i < list.length && list[i]! < limit; i += 2) out.push(list[i]!, list[i + 1]!);
    },
    cost: 1,
  };
}

/**
 * `stem*` is a prefix `indexOf`; a `?` anywhere compiles to a regular expression over the
 * normalised text, `?` standing for one character of the same token.
 */
function wildcardLeaf(value: string, title: boolean): Leaf & { cost: number } {
  if (!value.includes('?')) return literalLeaf(value.slice(0, -1), true, title);
  const cjk = CJK_CHAR_RE.test(value);
  const src = [...value]
    .map((ch) => (ch === '?' ? '[^ \\n]' : ch === '*' ? '[^ \\n]*' : escapeRe(ch)))
    .join('');
  // Alphabetic words are whole tokens: a space before, and a space after unless `*` ends it.
  const re = cjk ? src : `(?<= )${src}${value.endsWith('*') ? '' : '(?= )'}`;
  const one = new RegExp(re, 'u');
  const all = new RegExp(re, 'gu');
  return {
    test: title
      ? (d) => {
          const m = one.exec(d.norm);
          return m !== null && m.index < d.titleEnd;
        }
      : (d) => one.test(d.norm),
    spans(d, out) {
      const limit = title ? d.titleEnd : d.norm.length;
      all.lastIndex = 0;
      for (let m = all.exec(d.norm); m !== null && m.index < limit; m = all.exec(d.norm)) {
        out.push(m.index, m.index + m[0].length);
        all.lastIndex = m.index + 1;
      }
    },
    cost: 10,
  };
}

function escapeRe(ch: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(ch) ? `\\${ch}` : ch;
}

function fieldTest(field: MetaField, v: string): Predicate {
  switch (field) {
    case 'author': {
      // The handle exactly; the display name as a phrase (`author:"support team"` matches "Acme Support Team").
      const phrase = ` ${normalizeFolded(v)} `;
      return (d) => d.authorHandle === v || d.authorName.includes(phrase);
    }
    case 'site': {
      const sub = `.${v}`;
      return (d) => d.host === v || d.host.endsWith(sub);
    }
    case 'url':
      return (d) => d.url.includes(v);
    case 'lang': {
      const sub = `${v}-`;
      return (d) => d.lang === v || d.lang.startsWith(sub);
    }
    case 'platform':
      return (d) => d.platform === v;
  }
}

/** Leaves of a NEAR operand: a text node or an OR of them (the parser guarantees it). */
function nearLeaves(n: QueryNode): Leaf[] {
  if (n.type === 'or') return n.children.flatMap(nearLeaves);
  if (n.type === 'term' || n.type === 'phrase' || n.type === 'wildcard' || n.type === 'tag')
    return [leafFor(n)];
  throw new Error(`not a NEAR operand: ${n.type}`);
}

function compileNear(n: Extract<QueryNode, { type: 'near' }>): Compiled {
  const left = compileNode(n.left);
  const right = compileNode(n.right);
  const leftLeaves = nearLeaves(n.left);
  const rightLeaves = nearLeaves(n.right);
  const { distance, ordered } = n;
  /** Tokens strictly between a span ending at `aEnd` and one starting at `bStart` (0 when they share a CJK token). */
  const within = (tokAt: Int32Array, aEnd: number, bStart: number) =>
    tokAt[bStart]! - tokAt[aEnd - 1]! - 1 <= distance;
  return {
    cost: left.cost + right.cost + 20,
    test(d) {
      if (!left.test(d) || !right.test(d)) return false;
      const a: number[] = [];
      const b: number[] = [];
      for (const l of leftLeaves) l.spans(d, a);
      for (const l of rightLeaves) l.spans(d, b);
      const { tokAt } = d;
      for (let i = 0; i < a.length; i += 2) {
        const as = a[i]!;
        const ae = a[i + 1]!;
        for (let j = 0; j < b.length; j += 2) {
          const bs = b[j]!;
          const be = b[j + 1]!;
          // Overlapping spans are one occurrence, not two near each other.
          if (ae <= bs) {
            if (within(tokAt, ae, bs)) return true;
          } else if (!ordered && be <= as) {
            if (within(tokAt, be, as)) return true;
          }
        }
      }
      return false;
    },
  };
}

function compileNode(n: QueryNode): Compiled {
  switch (n.type) {
    case 'term':
    case 'phrase':
    case 'wildcard':
    case 'tag': {
      const { test, cost } = leafFor(n);
      return { test, cost };
    }
    case 'field':
      return { test: fieldTest(n.field, n.value), cost: 1 };
    case 'not': {
      const inner = compileNode(n.child);
      const t = inner.test;
      return { test: (d) => !t(d), cost: inner.cost };
    }
    case 'near':
      return compileNear(n);
    case 'and':
    case 'or': {
      const parts = n.children.map(compileNode).sort((x, y) => x.cost - y.cost);
      const tests = parts.map((p) => p.test);
      const cost = parts.reduce((s, p) => s + p.cost, 0);
      return { test: n.type === 'and' ? all(tests) : any(tests), cost };
    }
  }
}

function all(tests: Predicate[]): Predicate {
  const [a, b, c] = tests;
  if (tests.length === 2) return (d) => a!(d) && b!(d);
  if (tests.length === 3) return (d) => a!(d) && b!(d) && c!(d);
  return (d) => {
    for (const t of tests) if (!t(d)) return false;
    return true;
  };
}

function any(tests: Predicate[]): Predicate {
  const [a, b, c] = tests;
  if (tests.length === 2) return (d) => a!(d) || b!(d);
  if (tests.length === 3) return (d) => a!(d) || b!(d) || c!(d);
  return (d) => {
    for (const t of tests) if (t(d)) return true;
    return false;
  };
}

/** Compile an AST to a predicate over prepared documents. */
export function compileAst(ast: QueryNode): Predicate {
  return compileNode(ast).test;
}

/**
 * Positive text operands (not under NOT; fields excluded), as surface forms: terms and
 * phrases as written (folded), hashtags and mentions without the sigil, `stem*` as its stem.
 * `?` patterns are left out: they name no single surface form.
 */
export function positiveTerms(ast: QueryNode): string[] {
  const out = new Set<string>();
  const walk = (n: QueryNode, negated: boolean): void => {
    switch (n.type) {
      case 'term':
      case 'phrase':
        if (!negated) out.add(n.value);
        break;
      case 'tag':
        if (!negated) out.add(n.value.slice(1));
        break;
      case 'wildcard':
        if (!negated && !n.value.includes('?')) out.add(n.value.slice(0, -1));
        break;
      case 'and':
      case 'or':
        for (const c of n.children) walk(c, negated);
        break;
      case 'not':
        walk(n.child, !negated);
        break;
      case 'near':
        walk(n.left, negated);
        walk(n.right, negated);
        break;
      case 'field':
        break;
    }
  };
  walk(ast, false);
  return [...out];
}
