import { QuerySyntaxError } from '../errors.ts';
import { CJK_RE, foldText } from '../text.ts';
import { type Field, FIELDS, type QueryNode } from './ast.ts';

export const MAX_QUERY_LENGTH = 4096;
export const MAX_DEPTH = 32;
export const MIN_WILDCARD_STEM = 3;

type Tok =
  | { k: 'lp' | 'rp' | 'and' | 'or' | 'not' | 'neg'; pos: number; text: string }
  | { k: 'near'; pos: number; text: string; distance: number; ordered: boolean }
  | { k: 'phrase'; pos: number; text: string; value: string }
  | { k: 'word'; pos: number; text: string; value: string }
  | { k: 'field'; pos: number; text: string; field: Field; value: string; phrase: boolean };

const isSpace = (c: string) => /\s/u.test(c);
const BREAK = new Set(['(', ')', '"', '“', '”']);

function lex(q: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  const readQuoted = (start: number): { value: string; end: number } => {
    // `start` is at the opening quote; accept straight and curly quotes.
    let j = start + 1;
    while (j < q.length && q[j] !== '"' && q[j] !== '”' && q[j] !== '“') j++;
    if (j >= q.length) throw new QuerySyntaxError('this quote is never closed', start, q.slice(start, start + 12));
    const value = q.slice(start + 1, j);
    if (value.trim() === '') throw new QuerySyntaxError('empty quotes: put a word or phrase between them', start, q.slice(start, j + 1));
    return { value, end: j + 1 };
  };
  while (i < q.length) {
    const c = q[i]!;
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === '（') {
      toks.push({ k: 'lp', pos: i, text: c });
      i++;
      continue;
    }
    if (c === ')' || c === '）') {
      toks.push({ k: 'rp', pos: i, text: c });
      i++;
      continue;
    }
    if (c === '"' || c === '“' || c === '”') {
      const { value, end } = readQuoted(i);
      toks.push({ k: 'phrase', pos: i, text: q.slice(i, end), value });
      i = end;
      continue;
    }
    if (c === '-' && i + 1 < q.length && !isSpace(q[i + 1]!) && (i === 0 || isSpace(q[i - 1]!) || q[i - 1] === '(')) {
      toks.push({ k: 'neg', pos: i, text: '-' });
      i++;
      continue;
    }
    let j = i;
    while (j < q.length && !isSpace(q[j]!) && !BREAK.has(q[j]!) && q[j] !== '（' && q[j] !== '）') j++;
    const word = q.slice(i, j);
    if (word === 'AND' || word === 'OR' || word === 'NOT') {
      toks.push({ k: word.toLowerCase() as 'and' | 'or' | 'not', pos: i, text: word });
      i = j;
      continue;
    }
    if (word.startsWith('NEAR')) {
      const m = /^NEAR\/(\d{1,3})(f?)$/.exec(word);
      if (!m) throw new QuerySyntaxError('NEAR needs a distance, like NEAR/3 (or NEAR/3f for "in this order")', i, word);
      toks.push({ k: 'near', pos: i, text: word, distance: Number(m[1]), ordered: m[2] === 'f' });
      i = j;
      continue;
    }
    const colon = word.indexOf(':');
    if (colon > 0 && /^[a-z]+$/i.test(word.slice(0, colon))) {
      const name = word.slice(0, colon).toLowerCase();
      if (!(FIELDS as readonly string[]).includes(name)) {
        throw new QuerySyntaxError(
          `unknown field "${name}:"; fields are ${FIELDS.map((f) => `${f}:`).join(' ')} (put text containing ":" in quotes)`,
          i,
          word,
        );
      }
      let value = word.slice(colon + 1);
      let phrase = false;
      let end = j;
      if (value === '' && (q[j] === '"' || q[j] === '“')) {
        const r = readQuoted(j);
        value = r.value;
        phrase = true;
        end = r.end;
      }
      if (value === '') throw new QuerySyntaxError(`${name}: needs a value, like ${name}:example`, i, word);
      toks.push({ k: 'field', pos: i, text: q.slice(i, end), field: name as Field, value, phrase });
      i = end;
      continue;
    }
    toks.push({ k: 'word', pos: i, text: word, value: word });
    i = j;
  }
  return toks;
}

/**
 * Parse a Boolean listening query. Precedence: NOT > NEAR > AND > OR; adjacent terms mean AND.
 *
 * @example
 * parseQuery('("acme" OR "艾克米") AND NOT (job OR hiring)')
 */
export function parseQuery(query: string): QueryNode {
  if (query.length > MAX_QUERY_LENGTH) {
    throw new QuerySyntaxError(`the query is longer than ${MAX_QUERY_LENGTH} characters`, MAX_QUERY_LENGTH, query.slice(MAX_QUERY_LENGTH, MAX_QUERY_LENGTH + 10));
  }
  const toks = lex(query);
  if (toks.length === 0) throw new QuerySyntaxError('the query is empty', 0, '');
  let p = 0;
  let depth = 0;
  const peek = () => toks[p];
  const startsOperand = (t: Tok | undefined) => !!t && (t.k === 'lp' || t.k === 'phrase' || t.k === 'word' || t.k === 'field' || t.k === 'not' || t.k === 'neg');

  const needOperand = (op: Tok) => {
    const t = peek();
    if (!startsOperand(t)) {
      throw new QuerySyntaxError(`${op.text} needs a term after it`, op.pos, op.text);
    }
  };

  function parseOr(): QueryNode {
    const children = [parseAnd()];
    while (peek()?.k === 'or') {
      const op = toks[p++]!;
      needOperand(op);
      children.push(parseAnd());
    }
    return children.length === 1 ? children[0]! : { type: 'or', children };
  }

  function parseAnd(): QueryNode {
    const children = [parseNear()];
    for (;;) {
      const t = peek();
      if (t?.k === 'and') {
        p++;
        needOperand(t);
        children.push(parseNear());
      } else if (startsOperand(t)) {
        children.push(parseNear());
      } else break;
    }
    return children.length === 1 ? children[0]! : { type: 'and', children };
  }

  function parseNear(): QueryNode {
    let left = parseUnary();
    while (peek()?.k === 'near') {
      const op = toks[p++] as Extract<Tok, { k: 'near' }>;
      needOperand(op);
      const right = parseUnary();
      for (const side of [left, right]) {
        if (!nearOperand(side)) throw new QuerySyntaxError('NEAR works between words, phrases or (a OR b) groups of them', op.pos, op.text);
      }
      left = { type: 'near', left, right, distance: op.distance, ordered: op.ordered };
    }
    return left;
  }

  function parseUnary(): QueryNode {
    const t = peek();
    if (t?.k === 'not' || t?.k === 'neg') {
      p++;
      if (!startsOperand(peek())) throw new QuerySyntaxError(`${t.text} needs a term after it`, t.pos, t.text);
      return { type: 'not', child: parseUnary() };
    }
    return parsePrimary();
  }

  function parsePrimary(): QueryNode {
    const t = toks[p];
    if (!t) {
      const last = toks[toks.length - 1]!;
      throw new QuerySyntaxError('the query ends where a term was expected', last.pos, last.text);
    }
    p++;
    switch (t.k) {
      case 'lp': {
        if (++depth > MAX_DEPTH) throw new QuerySyntaxError(`parentheses nest deeper than ${MAX_DEPTH}`, t.pos, '(');
        if (peek()?.k === 'rp') throw new QuerySyntaxError('empty parentheses', t.pos, '()');
        const inner = parseOr();
        const close = toks[p];
        if (close?.k !== 'rp') throw new QuerySyntaxError('this parenthesis is never closed', t.pos, '(');
        p++;
        depth--;
        return inner;
      }
      case 'phrase':
        return { type: 'phrase', value: normalizePhrase(t.value), pos: t.pos };
      case 'field':
        return { type: 'field', field: t.field, value: normalizePhrase(t.value), phrase: t.phrase, pos: t.pos };
      case 'word':
        return wordNode(t.value, t.pos, t.text);
      case 'rp':
        throw new QuerySyntaxError('unexpected closing parenthesis', t.pos, ')');
      default:
        throw new QuerySyntaxError(`${t.text} needs a term before it`, t.pos, t.text);
    }
  }

  const ast = parseOr();
  if (p < toks.length) {
    const t = toks[p]!;
    throw new QuerySyntaxError(t.k === 'rp' ? 'unexpected closing parenthesis' : `unexpected ${t.text}`, t.pos, t.text);
  }
  if (!hasPositive(ast, false)) throw new QuerySyntaxError('a query needs at least one positive term (not only NOT terms)', 0, query.slice(0, 12));
  return ast;
}

function normalizePhrase(v: string): string {
  return foldText(v).replace(/\s+/gu, ' ').trim();
}

function wordNode(raw: string, pos: number, text: string): QueryNode {
  const v = foldText(raw);
  if (v.startsWith('#') || v.startsWith('@')) {
    if (v.length < 2) throw new QuerySyntaxError(`${v} needs a name after it`, pos, text);
    return { type: 'tag', value: v, pos };
  }
  const star = v.indexOf('*');
  if (star >= 0) {
    if (star !== v.length - 1) throw new QuerySyntaxError('the * wildcard goes at the end of a word, like refund*', pos + star, text);
    const stem = v.slice(0, -1);
    if ([...stem].length < MIN_WILDCARD_STEM) throw new QuerySyntaxError(`a wildcard needs at least ${MIN_WILDCARD_STEM} characters before *`, pos, text);
    return { type: 'term', value: stem, prefix: true, pos };
  }
  // A term with inner punctuation ("e-mail", "wi-fi") or CJK characters is matched as a phrase.
  if (CJK_RE.test(v) || /[^\p{L}\p{N}\p{M}_']/u.test(v)) return { type: 'phrase', value: v, pos };
  return { type: 'term', value: v, prefix: false, pos };
}

function nearOperand(n: QueryNode): boolean {
  if (n.type === 'term' || n.type === 'phrase' || n.type === 'tag') return true;
  if (n.type === 'or') return n.children.every(nearOperand);
  return false;
}

function hasPositive(n: QueryNode, negated: boolean): boolean {
  switch (n.type) {
    case 'not':
      return false;
    case 'and':
      return n.children.some((c) => hasPositive(c, negated));
    case 'or':
      return n.children.every((c) => hasPositive(c, negated));
    default:
      return !negated;
  }
}
