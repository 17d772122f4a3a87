import { createHash } from 'node:crypto';
import iconv from 'iconv-lite';

// Content-Type parsing and blocked-page checks belong to the HTTP layer (the client's `json()`
// uses them too); collectors take them from here.
export { assertNotBlocked } from '../../src/net/blocked-page.ts';
export { charsetOf } from '../../src/net/response.ts';

/** Resolve a possibly relative link; null for anything that is not http(s). */
export function resolveUrl(href: string | null | undefined, base: string | null | undefined): string | null {
  if (!href) return null;
  try {
    const u = base ? new URL(href.trim(), base) : new URL(href.trim());
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : null;
  } catch {
    return null;
  }
}

/**
 * `url` moved under `baseUrl` (a self-hosted instance, a mirror, a proxy, a test server): its
 * path and query kept and appended to the base's path; a relative `url` resolves under the base.
 *
 * @example
 * rebaseUrl('https://rsshub.app/weibo/user/1', 'https://feeds.internal/rsshub') // https://feeds.internal/rsshub/weibo/user/1
 */
export function rebaseUrl(url: string, baseUrl: string): string {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  let rel = url;
  try {
    const u = new URL(url);
    rel = u.pathname + u.search;
  } catch {
    /* already relative */
  }
  return new URL(rel.replace(/^\/+/, ''), base).toString();
}

/**
 * Plain text as the pipeline reads `text` and `title` (as HTML): `&`, `<` and `>` escaped, so
 * stripping markup and decoding entities there gives the text back as written.
 *
 * @example
 * escapeHtml('I <3 Acme -> best') // 'I &lt;3 Acme -&gt; best'
 */
export function escapeHtml(plain: string): string {
  return plain.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function shortHash(...parts: (string | null | undefined)[]): string {
  return createHash('sha256')
    .update(parts.map((p) => p ?? '').join('\u0000'))
    .digest('hex')
    .slice(0, 24);
}

/**
 * Decode feed or page bytes: a byte-order mark wins, then the HTTP charset, then the XML
 * declaration or <meta charset>, then UTF-8. Unknown names fall back to UTF-8.
 */
export function decodeDocument(body: Buffer, headerCharset?: string): string {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return body.subarray(3).toString('utf8');
  if (body[0] === 0x00 && body[1] === 0x00 && body[2] === 0xfe && body[3] === 0xff)
    return iconv.decode(body.subarray(4), 'utf32-be');
  if (body[0] === 0xff && body[1] === 0xfe && body[2] === 0x00 && body[3] === 0x00)
    return iconv.decode(body.subarray(4), 'utf32-le');
  if (body[0] === 0xfe && body[1] === 0xff) return iconv.decode(body.subarray(2), 'utf16-be');
  if (body[0] === 0xff && body[1] === 0xfe) return iconv.decode(body.subarray(2), 'utf16-le');
  // UTF-16/32 without a BOM: '<' encoded with zero bytes around it (XML 1.0 appendix F).
  if (body[0] === 0x00 && body[1] === 0x00 && body[2] === 0x00 && body[3] === 0x3c)
    return iconv.decode(body, 'utf32-be');
  if (body[0] === 0x3c && body[1] === 0x00 && body[2] === 0x00 && body[3] === 0x00)
    return iconv.decode(body, 'utf32-le');
  if (body[0] === 0x00 && body[1] === 0x3c) return iconv.decode(body, 'utf16-be');
  if (body[0] === 0x3c && body[1] === 0x00 && body[2] !== 0x00) return iconv.decode(body, 'utf16-le');
  const head = body.subarray(0, 1024).toString('latin1');
  const declared =
    /<\?xml[^>]*encoding=["']([\w.:-]+)["']/i.exec(head)?.[1] ??
    /<meta[^>]+charset=["']?([\w.:-]+)/i.exec(head)?.[1];
  for (const cs of [headerCharset, declared]) {
    if (cs && iconv.encodingExists(cs)) return iconv.decode(body, cs);
  }
  return body.toString('utf8');
}
