import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { signAckToken } from '../../alerts/ack-links.ts';
import { apiKeys } from '../../db/schema/index.ts';
import { hashApiKey } from '../../src/secrets.ts';
import { makeMention } from '../helpers/harness.ts';
import { envelope, json, useApi } from './harness.ts';

const REVALIDATE_MS = 5_000;
const t = useApi({
  app: { stream: { heartbeatMs: 15_000, revalidateMs: REVALIDATE_MS, tokenTtlMs: 60_000 } },
});

/** An open SSE response read incrementally. */
function reader(res: Response) {
  const r = res.body!.getReader();
  const dec = new TextDecoder();
  let buf = '';
  let done = false;
  return {
    get text() {
      return buf;
    },
    async until(pred: (s: string) => boolean): Promise<void> {
      while (!pred(buf)) {
        if (done) throw new Error(`stream ended: ${buf}`);
        const step = await r.read();
        if (step.done) done = true;
        else buf += dec.decode(step.value);
      }
    },
    /** Read to the end; the server closed the stream. */
    async end(): Promise<string> {
      while (!done) {
        const step = await r.read();
        if (step.done) done = true;
        else buf += dec.decode(step.value);
      }
      return buf;
    },
    cancel: () => r.cancel().catch(() => {}),
  };
}

const tokenFor = async (key: string) => {
  const r = await t.call('POST', '/v1/stream/token', key);
  expect(r.status).toBe(200);
  return (await r.json()) as { token: string; expiresAt: string; url: string };
};

const revoke = (key: string) =>
  t.deps.db
    .update(apiKeys)
    .set({ revokedAt: t.deps.clock.now() })
    .where(eq(apiKeys.hash, hashApiKey(key)));

describe('stream tokens instead of keys in URLs (issue 10 item 9)', () => {
  it('a viewer gets a short-lived token and opens the stream with it; ?key= is refused', async () => {
    const tok = await tokenFor(t.viewer);
    expect(tok.url).toBe(`/v1/stream?token=${encodeURIComponent(tok.token)}`);
    expect(new Date(tok.expiresAt).getTime() - t.deps.clock.now().getTime()).toBe(60_000);
    expect(tok.token).not.toContain(t.viewer);
    const ac = new AbortController();
    const res = await t.app.request(tok.url, { signal: ac.signal });
    expect(res.status).toBe(200);
    const s = reader(res);
    await s.until((x) => x.includes('event: ready'));
    ac.abort();
    await s.cancel();

    const byKey = await t.app.request(`/v1/stream?key=${t.viewer}`);
    expect(await envelope(byKey, 400)).toMatchObject({ code: 'BAD_REQUEST', field: 'query.key' });
    expect(await envelope(await t.call('POST', '/v1/stream/token'), 401)).toMatchObject({
      code: 'UNAUTHORIZED',
    });
    expect((await t.call('POST', '/v1/stream/token', 'esk_wrong')).status).toBe(401);
  });

  it('a token opens one stream, expires, and cannot be forged or taken from another purpose', async () => {
    const tok = await tokenFor(t.editor);
    const ac = new AbortController();
    expect((await t.app.request(tok.url, { signal: ac.signal })).status).toBe(200);
    ac.abort();
    const again = await envelope(await t.app.request(tok.url), 401);
    expect(again.message).toMatch(/already used/);

    const late = await tokenFor(t.editor);
    t.deps.clock.advance(60_001);
    expect((await envelope(await t.app.request(late.url), 401)).message).toMatch(/expired/);

    const [keyId, exp, nonce] = (await tokenFor(t.viewer)).token.split('.');
    const forged = `${keyId}.${Number(exp) + 3600}.${nonce}.AAAA`;
    expect((await envelope(await t.app.request(`/v1/stream?token=${forged}`), 401)).message).toMatch(
      /bad-signature/,
    );
    // A token signed for another purpose (acknowledge links) does not verify here.
    const ack = signAckToken(t.deps.signingKey('ack-links'), {
      incidentId: 'inc_1',
      generation: 0,
      expiresAt: new Date(t.deps.clock.now().getTime() + 60_000),
    });
    expect((await t.app.request(`/v1/stream?token=${ack}`)).status).toBe(401);
  });
});

describe('streams end when their key is revoked (issue 10 item 9)', () => {
  for (const via of ['token', 'bearer'] as const) {
    it(`a stream opened with a ${via} ends within one revalidation interval of the key being revoked elsewhere`, async () => {
      const ac = new AbortController();
      const res =
        via === 'token'
          ? await t.app.request((await tokenFor(t.viewer)).url, { signal: ac.signal })
          : await t.app.request('/v1/stream', {
              headers: { authorization: `Bearer ${t.viewer}` },
              signal: ac.signal,
            });
      expect(res.status).toBe(200);
      const s = reader(res);
      await s.until((x) => x.includes('event: ready'));
      await t.deps.pipeline.processBatch([makeMention({ text: 'acme before revocation' })], {
        origin: 'test',
      });
      await s.until((x) => x.includes('acme before revocation'));

      // Revoked in the database, as `earshot keys revoke` in another process does.
      await revoke(t.viewer);
      t.deps.clock.advance(REVALIDATE_MS);
      const all = await s.end();
      expect(all).toContain('event: unauthorized');
      expect(all.slice(all.indexOf('event: unauthorized'))).not.toContain('event: mention');
      await t.deps.pipeline.processBatch([makeMention({ text: 'acme after revocation' })], {
        origin: 'test',
      });
      expect(s.text).not.toContain('acme after revocation');
      // And the revoked key can get no new token.
      expect((await t.call('POST', '/v1/stream/token', t.viewer)).status).toBe(401);
    });
  }

  it('a valid key keeps its stream open across revalidations and heartbeats', async () => {
    const ac = new AbortController();
    const res = await t.app.request((await tokenFor(t.viewer)).url, { signal: ac.signal });
    const s = reader(res);
    await s.until((x) => x.includes('event: ready'));
    for (let i = 0; i < 4; i++) t.deps.clock.advance(REVALIDATE_MS);
    await s.until((x) => x.includes(': ping'));
    await t.deps.pipeline.processBatch([makeMention({ text: 'acme still live' })], { origin: 'test' });
    await s.until((x) => x.includes('acme still live'));
    expect(s.text).not.toContain('unauthorized');
    ac.abort();
    await s.cancel();
    expect((await json(t.call('GET', '/v1/brands', t.viewer))).data).toHaveLength(1);
  });
});
