import { QuerySyntaxError } from '../errors.ts';
import { foldText } from '../text.ts';
import { FIELDS, type Field, type MetaField, type QueryNode, type TextScope } from './ast.ts';
import { CJK_CHAR_RE, normalizeFolded } from './chars.ts';

export const MAX_QUERY_LENGTH = 4096;
export const MAX_DEPTH = 32;
export const MIN_WILDCARD_STEM = 3;
export const MAX_NEAR_DISTANCE = 100;

type Tok =
  | { k: 'lp' | 'rp' | 'and' | 'or' | 'not' | 'neg'; pos: number; text: string }
  | { k: 'near'; pos: number; text: string; distance: number; ordered: boolean }
  | { k: 'phrase'; pos: number; text: string; value: string }
  | { k: 'word'; pos: number; text: string }
  /** `value` is null when a parenthesised group follows: `site:(a.com OR b.com)`. */
  | {
      k: 'field';
      pos: number;
      text: string;
      field: Field;
      value: string | null;
      quoted: boolean;
      valuePos: number;
    };

const QUOTES = new Set(['"', '＂', '“', '”']);
const OPEN = new Set(['(', '（']);
const CLOSE = new Set([')', '）']);
const isSpace = (c: string) => /\s/u.test(c);
const breaksWord = (c: string) => isSpace(c) || OPEN.has(c) || CLOSE.has(c) || QUOTES.has(c);
const FIELD_LIST = FIELDS.map((f) => `${f}:`).join(' ');

function fail(message: string, pos: number, token: string): never {
  throw new QuerySyntaxError(message, pos, token);
}

function lex(q: string): Tok[] {
  const toks: Tok[] = [];
  const readQuoted = (start: number): { value: string; end: number } => {
    let j = start + 1;
    while (j < q.length && !QUOTES.has(q[j]!)) j++;
    if (j >= q.length) fail('this quote is never closed: add a closing "', start, q.slice(start, start + 20));
    const value = q.slice(start + 1, j);
    if (value.trim() === '')
      fail('empty quotes: put a word or phrase between them', start, q.slice(start, j + 1));
    return { value, end: j + 1 };
  };
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (isSpace(c)) {
      i++;
    } else if (OPEN.has(c)) {
      toks.push({ k: 'lp', pos: i, text: c });
      i++;
    } else if (CLOSE.has(c)) {
      toks.push({ k: 'rp', pos: i, text: c });
      i++;
    } else if (QUOTES.has(c)) {
      const { value, end } = readQuoted(i);
      toks.push({ k: 'phrase', pos: i, text: q.slice(i, end), value });
      i = end;
    } else if (c === '-' && i + 1 < q.length && !isSpace(q[i + 1]!) && !CLOSE.has(q[i + 1]!)) {
      // `-` at the start of a token excludes what follows: -job, -"job offer", -(a OR b).
      toks.push({ k: 'neg', pos: i, text: '-' });
      i++;
    } else {
      let j = i;
      while (j < q.length && !breaksWord(q[j]!)) j++;
      i = lexWord(q, i, j, toks, readQuoted);
    }
  }
  return toks;
}

/** Classify one space-delimited word; returns where lexing continues. */
function lexWord(
  q: string,
  i: number,
  j: number,
  toks: Tok[],
  readQuoted: (start: number) => { value: string; end: number },
): number {
  const word = q.slice(i, j);
  if (word === 'AND' || word === 'OR' || word === 'NOT') {
    toks.push({ k: word === 'AND' ? 'and' : word === 'OR' ? 'or' : 'not', pos: i, text: word });
    return j;
  }
  if (word === 'NEAR' || word.startsWith('NEAR/')) {
    const m = /^NEAR\/(\d{1,6})([fF]?)$/.exec(word);
    if (!m)
      fail(
        'NEAR needs a distance written right after it, like NEAR/3 (any order) or NEAR/3f (in this order)',
        i,
        word,
      );
    const distance = Number(m[1]);
    if (distance > MAX_NEAR_DISTANCE)
      fail(`NEAR distance can be at most ${MAX_NEAR_DISTANCE} words`, i, word);
    toks.push({ k: 'near', pos: i, text: word, distance, ordered: m[2] !== '' });
    return j;
  }
  if (/^near\/\d+f?$/i.test(word))
    fail(`operators are written in capitals: write ${word.toUpperCase().replace(/F$/, 'f')}`, i, word);
  if (word === '-')
    fail('a lone "-": to exclude a word, write it right after the minus with no space, like -job', i, word);
  const colon = word.indexOf(':');
  if (colon > 0 && /^[a-z]+$/i.test(word.slice(0, colon))) {
    const name = word.slice(0, colon).toLowerCase();
    if (!(FIELDS as readonly string[]).includes(name)) {
      fail(
        `unknown field "${name}:"; the fields are ${FIELD_LIST} (put text that contains ":" in quotes)`,
        i,
        word,
      );
    }
    const field = name as Field;
    const rest = word.slice(colon + 1);
    if (rest !== '') {
      toks.push({
        k: 'field',
        pos: i,
        text: word,
        field,
        value: rest,
        quoted: false,
        valuePos: i + colon + 1,
      });
      return j;
    }
    const next = q[j];
    if (next !== undefined && QUOTES.has(next)) {
      const r = readQuoted(j);
      toks.push({
        k: 'field',
        pos: i,
        text: q.slice(i, r.end),
        field,
        value: r.value,
        quoted: true,
        valuePos: j,
      });
      return r.end;
    }
    if (next !== undefined && OPEN.has(next)) {
      toks.push({ k: 'field', pos: i, text: word, field, value: null, quoted: false, valuePos: j });
      return j;
    }
    fail(`${name}: needs a value right after the colon, like ${name}:${EXAMPLE[field]}`, i, word);
  }
  toks.push({ k: 'word', pos: i, text: word });
  return j;
}

const EXAMPLE: Record<Field, string> = {
  author: 'acme_official',
  site: 'example.com',
  url: 'example.com/blog',
  lang: 'zh',
  platform: 'reddit',
  title: 'acme',
};

type Ctx = { kind: 'text'; scope: TextScope } | { kind: 'meta'; field: MetaField };
const TEXT: Ctx = { kind: 'text', scope: 'any' };

class Parser {
  private p = 0;
  private depth = 0;

  constructor(
    private readonly toks: Tok[],
    private readonly tokenAt: Map<number, string>,
  ) {}

  parse(): QueryNode {
    const ast = this.parseOr(TEXT);
    const t = this.toks[this.p];
    if (t) fail(t.k === 'rp' ? 'this ) has no matching (' : `unexpected ${t.text}`, t.pos, t.text);
    return ast;
  }

  private peek(): Tok | undefined {
    return this.toks[this.p];
  }

  private startsOperand(t: Tok | undefined): boolean {
    return (
      !!t &&
      (t.k === 'lp' ||
        t.k === 'phrase' ||
        t.k === 'word' ||
        t.k === 'field' ||
        t.k === 'not' ||
        t.k === 'neg')
    );
  }

  private needOperandAfter(op: Tok): void {
    const next = this.peek();
    if (next && (next.k === 'and' || next.k === 'or' || next.k === 'near')) {
      fail(`${op.text} and ${next.text} need a word, phrase or group between them`, next.pos, next.text);
    }
    if (!this.startsOperand(next)) {
      const what = op.k === 'near' ? 'NEAR' : op.text;
      fail(`${what} needs a word, phrase or group after it`, op.pos, op.text);
    }
  }

  private enter(t: Tok): void {
    if (++this.depth > MAX_DEPTH)
      fail(`the query nests deeper than ${MAX_DEPTH} levels of parentheses and NOTs`, t.pos, t.text);
  }

  private parseOr(ctx: Ctx): QueryNode {
    const first = this.parseAnd(ctx);
    const children = [first];
    while (this.peek()?.k === 'or') {
      const op = this.toks[this.p++]!;
      this.needOperandAfter(op);
      children.push(this.parseAnd(ctx));
    }
    return children.length === 1 ? first : { type: 'or', children, pos: first.pos };
  }

  private parseAnd(ctx: Ctx): QueryNode {
    const first = this.parseNear(ctx);
    const children = [first];
    for (;;) {
      const t = this.peek();
      if (t?.k === 'and') {
        this.p++;
        this.needOperandAfter(t);
        children.push(this.parseNear(ctx));
      } else if (this.startsOperand(t)) {
        // Adjacent operands with no operator between them mean AND.
        children.push(this.parseNear(ctx));
      } else break;
    }
    return children.length === 1 ? first : { type: 'and', children, pos: first.pos };
  }

  private parseNear(ctx: Ctx): QueryNode {
    const left = this.parseUnary(ctx);
    const t = this.peek();
    if (t?.k !== 'near') return left;
    this.p++;
    if (ctx.kind === 'meta') fail(`NEAR does not work inside ${ctx.field}:( ... )`, t.pos, t.text);
    this.checkNearOperand(left, t);
    this.needOperandAfter(t);
    const right = this.parseUnary(ctx);
    this.checkNearOperand(right, t);
    const next = this.peek();
    if (next?.k === 'near') {
      fail('NEAR cannot be chained: write (a NEAR/3 b) AND (b NEAR/3 c)', next.pos, next.text);
    }
    return { type: 'near', left, right, distance: t.distance, ordered: t.ordered, pos: left.pos };
  }

  private checkNearOperand(n: QueryNode, op: Tok): void {
    if (!nearOperand(n)) {
      fail(
        'NEAR works between words, phrases, hashtags or (a OR b) groups of them, not AND, NOT, fields or another NEAR',
        n.pos,
        this.tokenAt.get(n.pos) ?? op.text,
      );
    }
  }

  private parseUnary(ctx: Ctx): QueryNode {
    const t = this.peek();
    if (t?.k === 'not' || t?.k === 'neg') {
      this.p++;
      this.enter(t);
      if (!this.startsOperand(this.peek()))
        fail(`${t.text} needs a word, phrase or group after it`, t.pos, t.text);
      const child = this.parseUnary(ctx);
      this.depth--;
      return { type: 'not', child, pos: t.pos };
    }
    return this.parsePrimary(ctx);
  }

  private parseGroup(open: Tok, ctx: Ctx): QueryNode {
    this.enter(open);
    const next = this.peek();
    if (next?.k === 'rp')
      fail('empty parentheses: put something between them', open.pos, `${open.text}${next.text}`);
    const inner = this.parseOr(ctx);
    const close = this.peek();
    if (close?.k !== 'rp') fail('this ( is never closed: add a )', open.pos, open.text);
    this.p++;
    this.depth--;
    return inner;
  }

  private parsePrimary(ctx: Ctx): QueryNode {
    const t = this.toks[this.p];
    if (!t) {
      const last = this.toks[this.toks.length - 1]!;
      fail('the query ends where a word was expected', last.pos, last.text);
    }
    this.p++;
    switch (t.k) {
      case 'lp':
        return this.parseGroup(t, ctx);
      case 'phrase':
        return ctx.kind === 'meta'
          ? fieldNode(ctx.field, t.value, t.pos, t.pos, t.text)
          : phraseNode(t.value, t.pos, t.text, ctx.scope);
      case 'word':
        return ctx.kind === 'meta'
          ? fieldNode(ctx.field, t.text, t.pos, t.pos, t.text)
          : wordNode(t.text, t.pos, ctx.scope);
      case 'field': {
        if (ctx.kind === 'meta' || ctx.scope === 'title') {
          fail('a field cannot be used inside another field', t.pos, t.text);
        }
        const inner: Ctx =
          t.field === 'title' ? { kind: 'text', scope: 'title' } : { kind: 'meta', field: t.field };
        if (t.value === null) return this.parseGroup(this.toks[this.p++]!, inner);
        if (inner.kind === 'meta') return fieldNode(inner.field, t.value, t.pos, t.valuePos, t.text);
        return t.quoted
          ? phraseNode(t.value, t.valuePos, t.text, 'title')
          : wordNode(t.value, t.valuePos, 'title');
      }
      case 'rp':
        return fail('this ) has no matching (', t.pos, t.text);
      default: {
        const prev = this.toks[this.p - 2];
        if (prev && (prev.k === 'and' || prev.k === 'or' || prev.k === 'near')) {
          fail(`${prev.text} and ${t.text} need a word, phrase or group between them`, t.pos, t.text);
        }
        return fail(`${t.text} needs a word, phrase or group before it`, t.pos, t.text);
      }
    }
  }
}

/**
 * Parse a Boolean listening query. Precedence: NOT > NEAR > AND > OR; operands written
 * next to each other with no operator mean AND.
 *
 * @example
 * parseQuery('("acme" OR "艾克米") AND NOT (job OR hiring)')
 */
export function parseQuery(query: string): QueryNode {
  if (query.length > MAX_QUERY_LENGTH) {
    fail(
      `the query is ${query.length} characters long; the limit is ${MAX_QUERY_LENGTH}`,
      MAX_QUERY_LENGTH,
      query.slice(MAX_QUERY_LENGTH, MAX_QUERY_LENGTH + 20),
    );
  }
  const toks = lex(query);
  if (toks.length === 0) fail('the query is empty: write at least one word to search for', 0, '');
  const tokenAt = new Map(toks.map((t) => [t.pos, t.text]));
  const ast = new Parser(toks, tokenAt).parse();
  const culprit = negativeOnly(ast);
  if (culprit) {
    const token = tokenAt.get(culprit.pos) ?? '';
    if (culprit === ast) {
      // The whole query is at fault: name it (shortened), not just its first token.
      const whole = query.slice(ast.pos).trim();
      fail(
        'a query needs at least one positive term: NOT and - only exclude, so this would match almost every mention',
        ast.pos,
        whole.length > 40 ? `${whole.slice(0, 40)}…` : whole,
      );
    }
    fail(
      'each side of OR needs at least one positive term: this side only excludes, so it would match almost every mention',
      culprit.pos,
      token,
    );
  }
  return ast;
}

/** Positive: every document it matches contains something the query asked for. */
function positive(n: QueryNode): boolean {
  switch (n.type) {
    case 'not':
      return false;
    case 'and':
      return n.children.some(positive);
    case 'or':
      return n.children.every(positive);
    default:
      return true;
  }
}

/**
 * The node to blame when the query is not positive, or undefined when it is: an OR
 * alternative that only excludes, or else the whole query.
 */
function negativeOnly(ast: QueryNode): QueryNode | undefined {
  if (positive(ast)) return undefined;
  let n = ast;
  let blame = ast;
  while (n.type === 'and' || n.type === 'or') {
    if (n.type === 'or') {
      n = n.children.find((c) => !positive(c))!;
      blame = n;
    } else {
      const or = n.children.find((c) => c.type === 'or');
      if (!or) break;
      n = or;
    }
  }
  return blame;
}

function nearOperand(n: QueryNode): boolean {
  if (n.type === 'term' || n.type === 'phrase' || n.type === 'wildcard' || n.type === 'tag') return true;
  if (n.type === 'or') return n.children.every(nearOperand);
  return false;
}

const TAG_NAME: Record<'#' | '@', RegExp> = {
  '#': /^[\p{L}\p{N}\p{M}_]+$/u,
  '@': /^[\p{L}\p{N}\p{M}_]+(?:\.[\p{L}\p{N}\p{M}_]+)*$/u,
};

function wordNode(raw: string, pos: number, scope: TextScope): QueryNode {
  const v = foldText(raw);
  const sigil = v[0];
  if (sigil === '#' || sigil === '@') {
    const name = v.slice(1);
    const what = sigil === '#' ? 'a hashtag' : 'an @mention';
    if (name === '') fail(`${sigil} needs a name right after it, like ${sigil}acme`, pos, raw);
    if (/[*?]/.test(name))
      fail(
        `wildcards do not work on hashtags or @mentions; a plain word (acme*) also matches them`,
        pos,
        raw,
      );
    if (!TAG_NAME[sigil].test(name)) fail(`${what} can only contain letters, digits and _`, pos, raw);
    return { type: 'tag', value: v, scope, pos };
  }
  if (/[*?]/.test(v)) return wildcardNode(v, raw, pos, scope);
  if (normalizeFolded(v) === '') fail(`"${raw}" has no letters or digits to search for`, pos, raw);
  return { type: 'term', value: v, scope, pos };
}

function wildcardNode(v: string, raw: string, pos: number, scope: TextScope): QueryNode {
  const star = v.indexOf('*');
  if (star >= 0 && star !== v.length - 1) {
    fail(
      'the * wildcard only goes at the end of a word, like refund*',
      pos + Math.max(0, raw.indexOf('*')),
      raw,
    );
  }
  if (/[^\p{L}\p{N}\p{M}_*?]/u.test(v)) {
    fail('a wildcard works on one word without punctuation; put text with punctuation in quotes', pos, raw);
  }
  const letters = [...v.replace(/[*?]/g, '')];
  const cjk = letters.filter((ch) => CJK_CHAR_RE.test(ch)).length;
  if (cjk > 0 && cjk < letters.length) {
    fail('a wildcard word must be all Chinese/Japanese/Korean characters or all other letters', pos, raw);
  }
  if (v[0] === '?')
    fail('a ? wildcard stands for one character inside a word; it cannot start one', pos, raw);
  // Letters before a `*` (a `?` does not count): `*` alone would match too many words.
  const stem = star >= 0 ? [...v.slice(0, star).replace(/\?/g, '')] : [];
  if (cjk > 0) {
    // CJK terms already match inside longer words, so a trailing * adds nothing.
    if (!v.includes('?')) return { type: 'term', value: v.slice(0, -1), scope, pos };
  } else if (star >= 0 && stem.length < MIN_WILDCARD_STEM) {
    fail(
      `a * wildcard needs at least ${MIN_WILDCARD_STEM} letters before it (shorter stems match too many words)`,
      pos,
      raw,
    );
  }
  return { type: 'wildcard', value: v, scope, pos };
}

function phraseNode(raw: string, pos: number, text: string, scope: TextScope): QueryNode {
  const v = foldText(raw).replace(/\s+/gu, ' ').trim();
  if (normalizeFolded(v) === '') fail(`the phrase ${text} has no letters or digits to search for`, pos, text);
  return { type: 'phrase', value: v, scope, pos };
}

/** `pos` is where the node starts (for NEAR and OR errors), `valuePos` where its value starts (for value errors). */
function fieldNode(field: MetaField, raw: string, pos: number, valuePos: number, text: string): QueryNode {
  const value = fieldValue(field, raw, valuePos, text);
  return { type: 'field', field, value, pos };
}

function fieldValue(field: MetaField, raw: string, pos: number, text: string): string {
  const v = foldText(raw).replace(/\s+/gu, ' ').trim();
  switch (field) {
    case 'author': {
      const handle = v.replace(/^@/, '');
      if (handle === '') fail('author: needs a handle or a name, like author:acme_official', pos, text);
      return handle;
    }
    case 'site': {
      const host = siteHost(v);
      if (!host) fail('site: needs a web address, like site:example.com', pos, text);
      return host;
    }
    case 'url':
      if (v === '') fail('url: needs part of a web address, like url:example.com/blog', pos, text);
      return v;
    case 'lang': {
      const lang = v.replace(/_/g, '-');
      if (!/^[a-z]{2,3}(-[a-z0-9]{1,8})*$/.test(lang))
        fail('lang: needs a language code, like lang:en or lang:zh-cn', pos, text);
      return lang;
    }
    case 'platform':
      if (v === '') fail('platform: needs a platform name, like platform:reddit', pos, text);
      return v;
  }
}

/** The host a `site:` value names (scheme, path, port and `www.` removed; IDN to punycode). */
export function siteHost(v: string): string | undefined {
  const bare = v
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
    .replace(/[/?#].*$/s, '')
    .replace(/:\d+$/, '')
    .replace(/^www\./, '')
    .replace(/\.$/, '');
  if (bare === '' || /[\s@:]/.test(bare)) return undefined;
  try {
    const host = new URL(`http://${bare}`).hostname;
    return /^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(host) ? host : undefined;
  } catch {
    return undefined;
  }
}
