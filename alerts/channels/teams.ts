import { z } from 'zod';
import { type AlertMessage, defineChannel } from '../types.ts';
import { bodyFailure, postJson } from './_lib/deliver.ts';
import { escapeMarkdown } from './_lib/escape.ts';
import { type AlertView, byteLength, shrinkToFit, truncateChars } from './_lib/render.ts';

const MAX_BYTES = 28 * 1024;

function color(v: AlertView): string {
  if (v.emoji === '✅') return 'Good';
  switch (v.level?.level) {
    case 1:
      return 'Attention';
    case 2:
    case 3:
      return 'Warning';
    default:
      return 'Accent';
  }
}

const text = (s: string, extra: Record<string, unknown> = {}) => ({
  type: 'TextBlock',
  text: escapeMarkdown(s),
  wrap: true,
  ...extra,
});

export function teamsCard(v: AlertView): Record<string, unknown> {
  const body: Record<string, unknown>[] = [
    text(v.headline, { size: 'Large', weight: 'Bolder', color: color(v), style: 'heading' }),
  ];
  if (v.facts.length)
    body.push({
      type: 'FactSet',
      facts: v.facts.map((f) => ({ title: escapeMarkdown(f.label), value: escapeMarkdown(f.value) })),
    });
  for (const s of v.sections) {
    body.push(text(s.title, { weight: 'Bolder', spacing: 'Medium' }));
    body.push({
      type: 'TextBlock',
      wrap: true,
      text: s.items.map((i) => `- ${escapeMarkdown(i)}`).join('\r'),
    });
  }
  if (v.mentions.length) {
    body.push(text(v.mentionsTitle, { weight: 'Bolder', spacing: 'Medium', separator: true }));
    for (const m of v.mentions) {
      body.push({
        type: 'Container',
        ...(m.url ? { selectAction: { type: 'Action.OpenUrl', url: m.url, title: 'open' } } : {}),
        items: [
          { type: 'TextBlock', wrap: true, text: `**${escapeMarkdown(m.who)}** · ${escapeMarkdown(m.meta)}` },
          text(m.text, { isSubtle: true, spacing: 'None' }),
        ],
      });
    }
  }
  body.push(text(v.footer, { isSubtle: true, size: 'Small', spacing: 'Medium' }));
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body,
          actions: v.links.map((l) => ({
            type: 'Action.OpenUrl',
            title: truncateChars(l.label, 60),
            url: l.url,
          })),
        },
      },
    ],
  };
}

export function renderTeams(message: AlertMessage): Record<string, unknown> {
  return shrinkToFit(message, teamsCard, (p) => byteLength(JSON.stringify(p)), MAX_BYTES);
}

export const teams = defineChannel({
  id: 'teams',
  description: 'Microsoft Teams incoming webhook or Workflows (Power Automate) URL, Adaptive Card 1.4',
  options: z.object({
    url: z.url(),
    timeoutMs: z.number().int().positive().max(60_000).optional(),
  }),
  limits: { perMinute: 60, perSecond: 4, maxBytes: MAX_BYTES },
  async send(ctx, opts, message) {
    return postJson(ctx, opts.url, renderTeams(message), {
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      // Workflows answer 202; legacy connectors answer 200 `1`, but report throttling and
      // upstream errors as a 200 whose body reads "... returned HTTP error 429 ...".
      interpret: (res) => {
        const m = /HTTP error (\d{3})/i.exec(res.text());
        if (!m?.[1]) return { ok: true };
        const status = Number(m[1]);
        return bodyFailure(res, status, res.text(), status === 408 || status === 429 || status >= 500);
      },
    });
  },
});
