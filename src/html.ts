import type { JSX } from 'hono/jsx/jsx-runtime';

/**
 * The one way Earshot builds HTML (the alert email, the KOL report): hono/jsx, which escapes
 * every text child and every attribute value, so data never becomes markup. Raw markup enters
 * only through `raw()` of a constant of the file that uses it (a stylesheet).
 *
 * Why `.tsx` files carry `@jsxRuntime automatic` and `@jsxImportSource hono/jsx` pragmas:
 * tsx compiles with the tsconfig.json of the directory the process starts in, and `earshot`
 * started anywhere else would compile JSX for React ("React is not defined").
 *
 * @example
 * htmlDocument(<html><body><p>{post.text}</p></body></html>) // '<!doctype html>\n<html>…'
 */
export function htmlDocument(root: JSX.Element): string {
  if (root instanceof Promise) throw new Error('documents are rendered synchronously: no async components');
  return `<!doctype html>\n${root.toString()}`;
}
