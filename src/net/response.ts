import iconv from 'iconv-lite';
import { SourceFault } from '../errors.ts';
import { assertNotBlocked } from './blocked-page.ts';
import type { HttpResponse } from './types.ts';

/**
 * The charset parameter of a Content-Type, unquoted (`charset="utf-8"`, `charset='us-ascii'`,
 * `charset = koi8-r`), lower-cased; undefined when absent.
 *
 * @example
 * charsetOf("text/xml;charset= 'us-ascii'") // 'us-ascii'
 */
export function charsetOf(contentType: string | undefined): string | undefined {
  const m = /charset\s*=\s*(?:"([^"]*)"|'([^']*)'|([^;\s]+))/i.exec(contentType ?? '');
  const v = (m?.[1] ?? m?.[2] ?? m?.[3])?.trim().toLowerCase();
  return v || undefined;
}

function decodeBody(buf: Buffer, charset: string | undefined): string {
  const cs = (charset ?? 'utf-8').toLowerCase();
  if (cs === 'utf-8' || cs === 'utf8') return buf.toString('utf8');
  return iconv.encodingExists(cs) ? iconv.decode(buf, cs) : buf.toString('utf8');
}

/** A response whose body was read in full (and decoded when it was compressed). */
export function makeResponse(
  url: string,
  status: number,
  headers: Record<string, string>,
  body: Buffer,
): HttpResponse {
  return {
    url,
    status,
    headers,
    body,
    text: (charset) => decodeBody(body, charset ?? charsetOf(headers['content-type'])),
    json<T>(): T {
      const text = decodeBody(body, charsetOf(headers['content-type'])).replace(/^\uFEFF/, '');
      if (text.trim() === '')
        throw new SourceFault('empty', 'empty body where JSON was expected', { context: { url } });
      try {
        return JSON.parse(text) as T;
      } catch (cause) {
        if (/^\s*</.test(text)) {
          // An HTML page where JSON was expected: a captcha, a login wall, or a changed API.
          assertNotBlocked(text);
          throw new SourceFault('schema-changed', 'expected JSON, got an HTML page', {
            cause,
            context: { url, bytes: body.length },
          });
        }
        throw new SourceFault('parse-error', 'malformed JSON body', {
          cause,
          context: { url, bytes: body.length },
        });
      }
    },
  };
}
