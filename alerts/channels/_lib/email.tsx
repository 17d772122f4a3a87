/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { htmlDocument } from '../../../src/html.ts';
import type { AlertMessage } from '../../types.ts';
import { neutralize } from './escape.ts';
import { type AlertView, alertView, byteLength, shrinkToFit, textOf, truncateChars } from './render.ts';

/** Email: subject, a plain-text part and an HTML part (hono/jsx: every value escaped). */
export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

function EmailBody({ v }: { v: AlertView }) {
  const color = v.level?.hex ?? '#455a64';
  return (
    <html lang={v.locale === 'en' ? 'en' : 'zh-CN'}>
      <head>
        <meta charset="utf-8" />
      </head>
      <body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#222;max-width:680px">
        <h2 style={`border-left:6px solid ${color};padding-left:10px`}>{v.headline}</h2>
        {v.facts.length > 0 && (
          <table cellpadding="4" style="border-collapse:collapse">
            {v.facts.map((f) => (
              <tr>
                <th align="left">{f.label}</th>
                <td>{f.value}</td>
              </tr>
            ))}
          </table>
        )}
        {v.sections.map((s) => (
          <>
            <h3>{s.title}</h3>
            <ul>
              {s.items.map((i) => (
                <li>{i}</li>
              ))}
            </ul>
          </>
        ))}
        {v.mentions.length > 0 && <h3>{v.mentionsTitle}</h3>}
        {v.mentions.map((m) => (
          <blockquote style="border-left:3px solid #ccc;margin:8px 0;padding-left:8px">
            <b>{neutralize(m.who)}</b> · {m.meta}
            {m.url && (
              <>
                {' · '}
                <a href={m.url}>open</a>
              </>
            )}
            <br />
            {neutralize(m.text)}
          </blockquote>
        ))}
        {v.links.length > 0 && (
          <p>
            {v.links.map((l, i) => (
              <>
                {i > 0 && ' · '}
                <a href={l.url}>{l.label}</a>
              </>
            ))}
          </p>
        )}
        <p style="color:#888;font-size:12px">{v.footer}</p>
      </body>
    </html>
  );
}

export function htmlOf(v: AlertView): string {
  return htmlDocument(<EmailBody v={v} />);
}

export function renderEmail(message: AlertMessage, maxBytes = 512 * 1024): RenderedEmail {
  const v = alertView(message);
  const subject = truncateChars(`[Earshot] ${v.headline}`, 200);
  const body = shrinkToFit(
    message,
    (x) => ({ text: textOf(x), html: htmlOf(x) }),
    (o) => byteLength(o.text) + byteLength(o.html),
    maxBytes,
  );
  return { subject, ...body };
}
