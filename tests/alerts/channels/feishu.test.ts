import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { feishu, feishuPayload, signFeishu } from '../../../alerts/channels/feishu.ts';
import { type HttpSink, startHttpSink } from '../../helpers/http-sink.ts';
import { makeCtx, makeHugeMessage, makeMessage, T0 } from './factories.ts';

const ok = JSON.stringify({ code: 0, msg: 'success', data: {} });

describe('feishu channel', () => {
  let sink: HttpSink;
  beforeEach(async () => {
    sink = await startHttpSink();
    sink.reply({ status: 200, body: ok });
  });
  afterEach(() => sink.close());

  it('signs with HMAC-SHA256 keyed by "timestamp\\nsecret" over an empty message', () => {
    const expected = createHmac('sha256', '1772352000\nsec').update(Buffer.alloc(0)).digest('base64');
    expect(signFeishu('sec', '1772352000')).toBe(expected);
  });

  it('posts a signed interactive card', async () => {
    const r = await feishu.send(
      makeCtx({ secrets: { secret: 'sec' } }),
      feishu.options.parse({ url: `${sink.url}/open-apis/bot/v2/hook/x` }),
      makeMessage(),
    );
    expect(r).toEqual({ ok: true });
    const body = (await sink.request()).json<
      Record<string, unknown> & {
        card: { header: Record<string, unknown>; elements: Record<string, unknown>[] };
      }
    >();
    const ts = String(T0.getTime() / 1000);
    expect(body.timestamp).toBe(ts);
    expect(body.sign).toBe(signFeishu('sec', ts));
    expect(body.msg_type).toBe('interactive');
    expect(body.card.header).toEqual({
      template: 'red',
      title: { tag: 'plain_text', content: '🔴 红色预警 / Critical — Acme: negative spike' },
    });
    expect(body.card.elements.at(-1)).toMatchObject({ tag: 'note' });
    expect(body.card.elements.find((e) => e.tag === 'action')).toBeTruthy();
  });

  it('omits timestamp and sign without a secret', async () => {
    await feishu.send(makeCtx(), feishu.options.parse({ url: sink.url }), makeMessage());
    const body = (await sink.request()).json();
    expect(body).not.toHaveProperty('sign');
    expect(body).not.toHaveProperty('timestamp');
  });

  it('puts untrusted text only in plain_text and stays under 20 KB', () => {
    const raw = JSON.stringify(feishuPayload(makeMessage()));
    expect(raw).not.toContain('lark_md');
    expect(raw).not.toMatch(/https:\/\/evil|@all/);
    expect(Buffer.byteLength(JSON.stringify(feishuPayload(makeHugeMessage())))).toBeLessThanOrEqual(
      20 * 1024,
    );
  });

  it('treats a 200 with code != 0 as a failure; 9499 and 11232 are retried', async () => {
    const opts = feishu.options.parse({ url: sink.url });
    sink.reply({
      status: 200,
      body: JSON.stringify({
        code: 19021,
        msg: 'sign match fail or timestamp is not within one hour from current time',
      }),
    });
    expect(await feishu.send(makeCtx(), opts, makeMessage())).toMatchObject({
      ok: false,
      retry: false,
      status: 200,
    });
    for (const code of [9499, 11232]) {
      sink.reply({ status: 200, body: JSON.stringify({ code, msg: 'frequency limited' }) });
      expect(await feishu.send(makeCtx(), opts, makeMessage())).toMatchObject({ ok: false, retry: true });
    }
  });
});
