/**
 * The query AST. Text values are folded (NFKC + lower-case); `pos` is the 0-based offset
 * in the query string of the node's first character.
 */
export type QueryNode =
  /** A bare word: `acme`, `e-mail`, `艾克米`. */
  | { type: 'term'; value: string; scope: TextScope; pos: number }
  /** A quoted phrase: `"acme phone"`. */
  | { type: 'phrase'; value: string; scope: TextScope; pos: number }
  /** A word with `*` (end only) or `?` (one character): `refund*`, `colo?r`. */
  | { type: 'wildcard'; value: string; scope: TextScope; pos: number }
  /** A hashtag `#acme` or a mention `@acme` (value includes the sigil). */
  | { type: 'tag'; value: string; scope: TextScope; pos: number }
  /** A metadata field: `author:x`, `site:x`, `url:x`, `lang:x`, `platform:x`. */
  | { type: 'field'; field: MetaField; value: string; pos: number }
  | { type: 'and'; children: QueryNode[]; pos: number }
  | { type: 'or'; children: QueryNode[]; pos: number }
  | { type: 'not'; child: QueryNode; pos: number }
  | { type: 'near'; left: QueryNode; right: QueryNode; distance: number; ordered: boolean; pos: number };

/** Where a text operand is searched: `any` is text and title, `title` (from `title:`) the title only. */
export type TextScope = 'any' | 'title';

export const FIELDS = ['author', 'site', 'url', 'lang', 'platform', 'title'] as const;
export type Field = (typeof FIELDS)[number];
export type MetaField = Exclude<Field, 'title'>;

export type TextNode = Extract<QueryNode, { scope: TextScope }>;

export function isTextNode(n: QueryNode): n is TextNode {
  return n.type === 'term' || n.type === 'phrase' || n.type === 'wildcard' || n.type === 'tag';
}

// A bare term prints unquoted only when the lexer reads it back as the same term.
const SAFE_TERM = /^[\p{L}\p{N}\p{M}_][\p{L}\p{N}\p{M}_'’.-]*$/u;
const NEAR_LIKE = /^near(\/|$)/i;

function printText(n: TextNode): string {
  const prefix = n.scope === 'title' ? 'title:' : '';
  if (n.type === 'phrase' || (n.type === 'term' && (!SAFE_TERM.test(n.value) || NEAR_LIKE.test(n.value)))) {
    return `${prefix}"${n.value}"`;
  }
  return prefix + n.value;
}

/**
 * Print an AST back as query text. Parsing the result gives an equivalent query (the same
 * AST up to positions, except that a term which cannot be written bare comes back as a
 * phrase, which matches identically).
 *
 * @example
 * printQuery(parseQuery('acme -job')) // '(acme AND NOT job)'
 */
export function printQuery(n: QueryNode): string {
  switch (n.type) {
    case 'term':
    case 'phrase':
    case 'wildcard':
    case 'tag':
      return printText(n);
    case 'field':
      return `${n.field}:"${n.value}"`;
    case 'and':
      return `(${n.children.map(printQuery).join(' AND ')})`;
    case 'or':
      return `(${n.children.map(printQuery).join(' OR ')})`;
    case 'not':
      return `NOT ${printQuery(n.child)}`;
    case 'near':
      return `(${printQuery(n.left)} NEAR/${n.distance}${n.ordered ? 'f' : ''} ${printQuery(n.right)})`;
  }
}

/** The AST without positions, for comparing two parses. */
export function stripPositions(n: QueryNode): unknown {
  switch (n.type) {
    case 'and':
    case 'or':
      return { type: n.type, children: n.children.map(stripPositions) };
    case 'not':
      return { type: 'not', child: stripPositions(n.child) };
    case 'near':
      return {
        type: 'near',
        left: stripPositions(n.left),
        right: stripPositions(n.right),
        distance: n.distance,
        ordered: n.ordered,
      };
    default: {
      const { pos: _pos, ...rest } = n;
      return rest;
    }
  }
}
