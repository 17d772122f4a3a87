/** The query AST. Values are folded (NFKC + lower-case). */
export type QueryNode =
  | { type: 'term'; value: string; prefix: boolean; pos: number }
  | { type: 'phrase'; value: string; pos: number }
  | { type: 'tag'; value: string; pos: number }
  | { type: 'field'; field: Field; value: string; phrase: boolean; pos: number }
  | { type: 'and'; children: QueryNode[] }
  | { type: 'or'; children: QueryNode[] }
  | { type: 'not'; child: QueryNode }
  | { type: 'near'; left: QueryNode; right: QueryNode; distance: number; ordered: boolean };

export const FIELDS = ['author', 'site', 'url', 'lang', 'platform', 'title'] as const;
export type Field = (typeof FIELDS)[number];

/** Print an AST back as query text (round-trips through the parser to an equivalent AST). */
export function printQuery(n: QueryNode): string {
  switch (n.type) {
    case 'term':
      return n.value + (n.prefix ? '*' : '');
    case 'phrase':
      return `"${n.value}"`;
    case 'tag':
      return n.value;
    case 'field':
      return `${n.field}:${n.phrase ? `"${n.value}"` : n.value}`;
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
