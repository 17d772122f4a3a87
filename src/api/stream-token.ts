import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Short-lived stream tokens, so a browser's EventSource (which cannot send headers) never puts
 * an API key in a URL: `<keyId>.<expiresSec>.<nonce>.<mac>`, the MAC being HMAC-SHA256 under a
 * key derived for this purpose only (`deps.signingKey('stream-tokens')`, as the acknowledge
 * links derive theirs), so no other token verifies here and this one verifies nowhere else.
 * The token names the API key it was issued to: the stream keeps checking that key, and a
 * revoked key ends the stream. Each token opens one stream (the nonce is remembered until the
 * token expires, per process).
 *
 * @example
 * const t = signStreamToken(key, { keyId: 'key_1', expiresAt: new Date(Date.now() + 60_000) });
 * verifyStreamToken(key, t, new Date()) // { ok: true, keyId: 'key_1', nonce: '…', expiresAt }
 */
export interface StreamClaims {
  keyId: string;
  expiresAt: Date;
}

const mac = (key: Buffer, body: string) => createHmac('sha256', key).update(body, 'utf8').digest('base64url');

export function signStreamToken(key: Buffer, c: StreamClaims): string {
  const body = [
    c.keyId,
    String(Math.floor(c.expiresAt.getTime() / 1000)),
    randomBytes(12).toString('base64url'),
  ].join('.');
  return `${body}.${mac(key, body)}`;
}

export type StreamVerdict =
  | { ok: true; keyId: string; nonce: string; expiresAt: Date }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

export function verifyStreamToken(key: Buffer, token: string, now: Date): StreamVerdict {
  const parts = token.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^[\w-]{1,128}$/.test(p)))
    return { ok: false, reason: 'malformed' };
  const [keyId, exp, nonce, sig] = parts as [string, string, string, string];
  const expected = Buffer.from(mac(key, `${keyId}.${exp}.${nonce}`));
  const got = Buffer.from(sig);
  if (got.length !== expected.length || !timingSafeEqual(got, expected))
    return { ok: false, reason: 'bad-signature' };
  const expiresAt = new Date(Number(exp) * 1000);
  if (!(expiresAt.getTime() > now.getTime())) return { ok: false, reason: 'expired' };
  return { ok: true, keyId, nonce, expiresAt };
}

/** Nonces of tokens already used, kept until their token expires. */
export function createNonceLedger() {
  const used = new Map<string, number>();
  return {
    /** True the first time a nonce is seen (before its expiry), false on a replay. */
    claim(nonce: string, expiresAt: Date, now: Date): boolean {
      const t = now.getTime();
      if (used.size > 1000) for (const [n, exp] of used) if (exp <= t) used.delete(n);
      if (used.has(nonce)) return false;
      used.set(nonce, expiresAt.getTime());
      return true;
    },
  };
}
