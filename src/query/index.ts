import { QuerySyntaxError } from '../errors.ts';
import type { QueryNode } from './ast.ts';
import { compileAst, type PreparedDoc, positiveTerms } from './match.ts';
import { parseQuery } from './parse.ts';

export { type Field, FIELDS, printQuery, type QueryNode } from './ast.ts';
export { type MatchDoc, type PreparedDoc, prepareDoc } from './match.ts';
export { MAX_DEPTH, MAX_QUERY_LENGTH, MIN_WILDCARD_STEM, parseQuery } from './parse.ts';

export interface CompiledQuery {
  source: string;
  ast: QueryNode;
  match(doc: PreparedDoc): boolean;
  /** Positive text terms and phrases (not under NOT), for brand target detection and highlighting. */
  positiveTerms(): string[];
}

/**
 * Parse and compile a query to a closure tree; compile once, match many documents.
 *
 * @example
 * const q = compileQuery('"acme" NEAR/5 (refund OR 退款)');
 * q.match(prepareDoc({ text: 'Acme refused my refund' })) // true
 */
export function compileQuery(query: string): CompiledQuery {
  const ast = parseQuery(query);
  const match = compileAst(ast);
  const terms = positiveTerms(ast);
  return { source: query, ast, match, positiveTerms: () => [...terms] };
}

export function validateQuery(query: string): { ok: true } | { ok: false; message: string; position: number; token: string } {
  try {
    parseQuery(query);
    return { ok: true };
  } catch (e) {
    if (e instanceof QuerySyntaxError) return { ok: false, message: e.message, position: e.position, token: e.token };
    throw e;
  }
}
