import { z } from 'zod';
import { type AlertMessage, defineChannel } from '../types.ts';
import { bodyFailure, jsonBody, postJson } from './_lib/deliver.ts';
import { byteLength, markdownOf, shrinkToFit, truncateBytes } from './_lib/render.ts';

/** WeCom caps markdown `content` at 4,096 UTF-8 bytes. */
const MAX_BYTES = 4096;
/** `api freq out of limit` (20 messages per minute per robot). */
const RATE_LIMITED = 45009;

export function wecomPayload(message: AlertMessage): { msgtype: 'markdown'; markdown: { content: string } } {
  const content = shrinkToFit(
    message,
    (v) => markdownOf(v, 'weak'),
    byteLength,
    MAX_BYTES,
    (s) => truncateBytes(s, MAX_BYTES),
  );
  return { msgtype: 'markdown', markdown: { content } };
}

export const wecom = defineChannel({
  id: 'wecom',
  description: 'WeCom (企业微信) group robot, markdown; 20 messages per minute',
  options: z.object({
    /** `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=<key>` */
    url: z.url(),
    timeoutMs: z.number().int().positive().max(60_000).optional(),
  }),
  limits: { perMinute: 20, maxBytes: MAX_BYTES },
  async send(ctx, opts, message) {
    return postJson(ctx, opts.url, wecomPayload(message), {
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      interpret: (res) => {
        const b = jsonBody(res);
        const code = Number(b?.errcode ?? 0);
        if (code === 0) return { ok: true };
        const limited = code === RATE_LIMITED;
        return bodyFailure(res, code, String(b?.errmsg ?? ''), limited, limited ? 60_000 : undefined);
      },
    });
  },
});
