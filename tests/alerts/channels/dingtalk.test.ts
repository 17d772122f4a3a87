import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dingtalk, dingtalkPayload } from '../../../alerts/channels/dingtalk.ts';
import { type HttpSink, startHttpSink } from '../../helpers/http-sink.ts';
import { makeCtx, makeHugeMessage, makeMessage, T0 } from './factories.ts';

describe('dingtalk channel', () => {
  let sink: HttpSink;
  beforeEach(async () => {
    sink = await startHttpSink();
    sink.reply({ status: 200, body: JSON.stringify({ errcode: 0, errmsg: 'ok' }) });
  });
  afterEach(() => sink.close());

  it('signs the URL with timestamp (ms) and base64 HMAC-SHA256(secret, "timestamp\\nsecret")', async () => {
    const secret = 'SECxyz+/=';
    const r = await dingtalk.send(
      makeCtx({ secrets: { secret } }),
      dingtalk.options.parse({ url: `${sink.url}/robot/send?access_token=tok` }),
      makeMessage(),
    );
    expect(r).toEqual({ ok: true });
    const req = await sink.request();
    expect(req.path).toBe('/robot/send');
    expect(req.query.get('access_token')).toBe('tok');
    const ts = String(T0.getTime());
    expect(req.query.get('timestamp')).toBe(ts);
    expect(req.query.get('sign')).toBe(
      createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64'),
    );
    const body = req.json<{ msgtype: string; markdown: { title: string; text: string } }>();
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.title).toBe('红色预警 / Critical — Acme: negative spike');
    expect(body.markdown.text.startsWith('### 🔴 红色预警 / Critical — Acme: negative spike')).toBe(true);
    expect(body.markdown.text).not.toMatch(/\]\(javascript|https:\/\/evil|<script>|@all/);
  });

  it('exposes 20 per minute so the dispatcher digests instead of dropping', () => {
    expect(dingtalk.limits.perMinute).toBe(20);
    expect(Buffer.byteLength(dingtalkPayload(makeHugeMessage()).markdown.text)).toBeLessThanOrEqual(20_000);
  });

  it('retries errcode 130101 (rate limited) and not other errcodes', async () => {
    const opts = dingtalk.options.parse({ url: `${sink.url}/robot/send?access_token=tok` });
    sink.reply({
      status: 200,
      body: JSON.stringify({ errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' }),
    });
    expect(await dingtalk.send(makeCtx(), opts, makeMessage())).toMatchObject({
      ok: false,
      retry: true,
      retryAfterMs: 600_000,
    });
    sink.reply({ status: 200, body: JSON.stringify({ errcode: 310000, errmsg: 'keywords not in content' }) });
    expect(await dingtalk.send(makeCtx(), opts, makeMessage())).toMatchObject({ ok: false, retry: false });
  });
});
