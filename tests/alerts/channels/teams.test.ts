import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderTeams, teams } from '../../../alerts/channels/teams.ts';
import { type HttpSink, startHttpSink } from '../../helpers/http-sink.ts';
import { makeCtx, makeHugeMessage, makeMessage } from './factories.ts';

type Card = {
  type: string;
  version: string;
  body: Record<string, unknown>[];
  actions: { type: string; url: string; title: string }[];
};

describe('teams channel', () => {
  let sink: HttpSink;
  beforeEach(async () => {
    sink = await startHttpSink();
  });
  afterEach(() => sink.close());

  it('posts an Adaptive Card message', async () => {
    sink.reply({ status: 202 });
    const r = await teams.send(
      makeCtx(),
      teams.options.parse({ url: `${sink.url}/workflows/1` }),
      makeMessage(),
    );
    expect(r).toEqual({ ok: true });
    const body = (await sink.request()).json<{
      type: string;
      attachments: { contentType: string; content: Card }[];
    }>();
    expect(body.type).toBe('message');
    expect(body.attachments).toHaveLength(1);
    expect(body.attachments[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    const card = body.attachments[0]?.content as Card;
    expect(card.type).toBe('AdaptiveCard');
    expect(card.version).toBe('1.4');
    expect(card.body[0]).toMatchObject({
      type: 'TextBlock',
      weight: 'Bolder',
      color: 'Attention',
      text: '🔴 红色预警 / Critical — Acme: negative spike',
    });
    expect(card.body[1]).toMatchObject({ type: 'FactSet' });
    expect(card.actions.map((a) => a.url)).toEqual([
      'https://earshot.example/ack/inc_test1?sig=abc',
      'https://earshot.example/incidents/inc_test1',
    ]);
  });

  it('escapes post text and stays under 28 KB', () => {
    const raw = JSON.stringify(renderTeams(makeMessage()));
    expect(raw).not.toMatch(/\]\(javascript|https:\/\/evil|<script>/);
    expect(Buffer.byteLength(JSON.stringify(renderTeams(makeHugeMessage())))).toBeLessThanOrEqual(28 * 1024);
  });

  it('treats a legacy connector 200 reporting HTTP error 429 as rate limited', async () => {
    sink.reply({
      status: 200,
      body: 'Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0',
    });
    const r = await teams.send(makeCtx(), teams.options.parse({ url: sink.url }), makeMessage());
    expect(r).toMatchObject({ ok: false, retry: true });
  });
});
