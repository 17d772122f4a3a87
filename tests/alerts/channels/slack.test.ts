import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderSlack, slack } from '../../../alerts/channels/slack.ts';
import { type HttpSink, startHttpSink } from '../../helpers/http-sink.ts';
import { makeCtx, makeHugeMessage, makeMessage } from './factories.ts';

type Block = {
  type: string;
  text?: { type: string; text: string };
  fields?: { type: string; text: string }[];
  elements?: Record<string, unknown>[];
};

describe('slack channel', () => {
  let sink: HttpSink;
  beforeEach(async () => {
    sink = await startHttpSink();
  });
  afterEach(() => sink.close());

  it('posts Block Kit with header, fields, context and a text fallback', async () => {
    const r = await slack.send(
      makeCtx(),
      slack.options.parse({ url: `${sink.url}/services/T/B/x` }),
      makeMessage(),
    );
    expect(r).toEqual({ ok: true });
    const body = (await sink.request()).json<{ text: string; blocks: Block[]; unfurl_links: boolean }>();
    expect(body.unfurl_links).toBe(false);
    expect(body.text.split('\n')[0]).toBe('🔴 红色预警 / Critical — Acme: negative spike');
    const types = body.blocks.map((b) => b.type);
    expect(types[0]).toBe('header');
    expect(types).toContain('section');
    expect(types.at(-1)).toBe('context');
    expect(types).toContain('actions');
    expect(body.blocks[0]?.text).toEqual({
      type: 'plain_text',
      text: '🔴 红色预警 / Critical — Acme: negative spike',
      emoji: true,
    });
    expect(body.blocks[1]?.fields?.[0]).toEqual({ type: 'mrkdwn', text: '*品牌 / Brand*\nAcme' });
    const mention = body.blocks.find((b) => b.text?.text.includes('angry_user'));
    expect(mention?.text?.text).toContain('<https://social.example/p/1|open>');
  });

  it('never lets post text ping, link or unfurl', () => {
    const raw = JSON.stringify(renderSlack(makeMessage()));
    // `[x](url)` is not link syntax in mrkdwn, so only `<…>` forms and bare URLs matter.
    expect(raw).not.toMatch(/<!channel>|<@U123>|@all|https:\/\/evil|<script>|<javascript/);
    expect(raw).toContain('&lt;!channel&gt;');
  });

  it('respects the 40,000-char message, 3,000-char section and 150-char header limits', () => {
    const p = renderSlack(makeHugeMessage()) as { text: string; blocks: Block[] };
    expect(JSON.stringify(p).length).toBeLessThanOrEqual(40_000);
    expect(p.blocks.length).toBeLessThanOrEqual(50);
    for (const b of p.blocks) {
      if (b.type === 'header') expect(b.text?.text.length).toBeLessThanOrEqual(150);
      if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
    }
  });

  it('reports a revoked webhook as a permanent failure', async () => {
    sink.reply({ status: 404, body: 'no_service' });
    const r = await slack.send(makeCtx(), slack.options.parse({ url: sink.url }), makeMessage());
    expect(r).toEqual({ ok: false, retry: false, status: 404, error: 'HTTP 404: no_service' });
  });
});
