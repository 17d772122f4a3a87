import { z } from 'zod';
import { type AlertMessage, defineChannel } from '../types.ts';
import { postJson } from './_lib/deliver.ts';
import { escapeSlack } from './_lib/escape.ts';
import { type AlertView, shrinkToFit, truncateChars } from './_lib/render.ts';

/** Slack's documented limits: `text` 40,000 chars, section text 3,000, field 2,000, header 150. */
const TEXT_MAX = 40_000;
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;
const HEADER_MAX = 150;

/** Cut escaped mrkdwn without leaving half an entity (`&am…`). */
function cut(s: string, max: number): string {
  const t = truncateChars(s, max);
  return t === s ? s : t.replace(/&[a-z]{0,4}…$/, '…');
}

/** A URL inside `<url|label>`: `|` and `>` would end it. */
function slackUrl(u: string): string {
  return u.replace(/[|<>]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function slackPayload(v: AlertView): Record<string, unknown> {
  const blocks: Record<string, unknown>[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncateChars(v.headline, HEADER_MAX), emoji: true },
    },
  ];
  if (v.facts.length) {
    blocks.push({
      type: 'section',
      fields: v.facts.slice(0, 10).map((f) => ({
        type: 'mrkdwn',
        text: cut(`*${escapeSlack(f.label)}*\n${escapeSlack(f.value)}`, FIELD_MAX),
      })),
    });
  }
  for (const s of v.sections) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: cut(
          `*${escapeSlack(s.title)}*\n${s.items.map((i) => `• ${escapeSlack(i)}`).join('\n')}`,
          SECTION_MAX,
        ),
      },
    });
  }
  if (v.mentions.length) {
    blocks.push(
      { type: 'divider' },
      { type: 'section', text: { type: 'mrkdwn', text: `*${escapeSlack(v.mentionsTitle)}*` } },
    );
    for (const m of v.mentions) {
      const open = m.url ? ` · <${slackUrl(m.url)}|open>` : '';
      blocks.push({
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: cut(
            `*${escapeSlack(m.who)}* · ${escapeSlack(m.meta)}${open}\n>${escapeSlack(m.text)}`,
            SECTION_MAX,
          ),
        },
      });
    }
  }
  if (v.links.length) {
    blocks.push({
      type: 'actions',
      elements: v.links.slice(0, 5).map((l, i) => ({
        type: 'button',
        text: { type: 'plain_text', text: truncateChars(l.label, 75), emoji: true },
        url: l.url.slice(0, 3000),
        ...(i === 0 && v.links.length > 1 ? { style: 'primary' } : {}),
      })),
    });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeSlack(v.footer) }] });
  const text = cut(
    [v.headline, ...v.facts.map((f) => `${f.label}: ${f.value}`)].map(escapeSlack).join('\n'),
    TEXT_MAX,
  );
  return { text, blocks, unfurl_links: false, unfurl_media: false };
}

export function renderSlack(message: AlertMessage): Record<string, unknown> {
  return shrinkToFit(message, slackPayload, (p) => JSON.stringify(p).length, TEXT_MAX);
}

export const slack = defineChannel({
  id: 'slack',
  description: 'Slack incoming webhook, Block Kit message with a text fallback',
  options: z.object({
    /** `https://hooks.slack.com/services/T…/B…/…`; the URL is the credential. */
    url: z.url(),
    timeoutMs: z.number().int().positive().max(60_000).optional(),
  }),
  limits: { perMinute: 60, perSecond: 1, maxBytes: TEXT_MAX },
  async send(ctx, opts, message) {
    // Incoming webhooks answer 200 `ok`, 400 `invalid_payload`, 403/404/410 for a revoked
    // hook or archived channel, 429 with Retry-After.
    return postJson(ctx, opts.url, renderSlack(message), opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {});
  },
});
