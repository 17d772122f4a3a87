import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signed one-click acknowledge links: `<incidentId>.<generation>.<expiresSec>.<nonce>.<mac>`,
 * the MAC being HMAC-SHA256 under a key derived for this purpose from the secret key.
 * `generation` is the incident's reopen count, so a link from before a reopen cannot
 * acknowledge the reopened incident; the nonce is recorded when used, so a link works once.
 *
 * @example
 * const t = signAckToken(key, { incidentId: 'inc_1', generation: 0, expiresAt: new Date(Date.now() + 864e5) });
 * verifyAckToken(key, t, new Date()) // { ok: true, incidentId: 'inc_1', generation: 0, nonce: '…' }
 */
export interface AckClaims {
  incidentId: string;
  generation: number;
  expiresAt: Date;
}

function mac(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(body, 'utf8').digest('base64url');
}

export function signAckToken(key: Buffer, c: AckClaims): string {
  const body = [
    c.incidentId,
    String(c.generation),
    String(Math.floor(c.expiresAt.getTime() / 1000)),
    randomBytes(9).toString('base64url'),
  ].join('.');
  return `${body}.${mac(key, body)}`;
}

export type AckVerdict =
  | { ok: true; incidentId: string; generation: number; nonce: string }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

export function verifyAckToken(key: Buffer, token: string, now: Date): AckVerdict {
  const parts = token.split('.');
  if (parts.length !== 5 || parts.some((p) => !/^[\w-]+$/.test(p))) return { ok: false, reason: 'malformed' };
  const [id, gen, exp, nonce, sig] = parts as [string, string, string, string, string];
  const expected = Buffer.from(mac(key, `${id}.${gen}.${exp}.${nonce}`));
  const got = Buffer.from(sig);
  if (got.length !== expected.length || !timingSafeEqual(got, expected))
    return { ok: false, reason: 'bad-signature' };
  if (Number(exp) * 1000 < now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, incidentId: id, generation: Number(gen), nonce };
}
