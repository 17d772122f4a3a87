import { QuerySyntaxError } from '../errors.ts';
import type { QueryNode } from './ast.ts';
import { compileAst, positiveTerms } from './compile.ts';
import { parseQuery } from './parse.ts';
import type { PreparedDoc } from './prepare.ts';

export {
  FIELDS,
  type Field,
  type MetaField,
  printQuery,
  type QueryNode,
  stripPositions,
  type TextScope,
} from './ast.ts';
export { MAX_DEPTH, MAX_NEAR_DISTANCE, MAX_QUERY_LENGTH, MIN_WILDCARD_STEM, parseQuery } from './parse.ts';
export { type MatchDoc, type PreparedDoc, prepareDoc } from './prepare.ts';

export interface CompiledQuery {
  source: string;
  ast: QueryNode;
  match(doc: PreparedDoc): boolean;
  /** Positive text terms/phrases (not under NOT), for brand target detection and highlighting. */
  positiveTerms(): string[];
}

/**
 * Parse and compile a query to a tree of closures: compile once per brand, then match every
 * prepared mention. Throws QuerySyntaxError on a malformed query.
 *
 * @example
 * const q = compileQuery('("acme" OR "艾克米") NEAR/5 (refund OR 退款) -job');
 * q.match(prepareDoc({ text: 'Acme refused my refund' })) // true
 */
export function compileQuery(query: string): CompiledQuery {
  const ast = parseQuery(query);
  const match = compileAst(ast);
  const terms = positiveTerms(ast);
  return { source: query, ast, match, positiveTerms: () => [...terms] };
}

/**
 * Check a query without compiling it; the message is meant for the person who wrote it.
 *
 * @example
 * validateQuery('acme AND') // { ok: false, message: 'AND needs ... at position 5 (near "AND")', position: 5, token: 'AND' }
 */
export function validateQuery(
  query: string,
): { ok: true } | { ok: false; message: string; position: number; token: string } {
  try {
    parseQuery(query);
    return { ok: true };
  } catch (e) {
    if (e instanceof QuerySyntaxError)
      return { ok: false, message: e.message, position: e.position, token: e.token };
    throw e;
  }
}
