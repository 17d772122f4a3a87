import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { serveApi } from '../../src/api/server.ts';
import { envelope, json, useApi } from './harness.ts';

const t = useApi();

describe('a NUL byte is a 400 naming where it was, never a 500', () => {
  it('in a query parameter, a path segment, a JSON string and a JSON key', async () => {
    const q = await envelope(await t.call('GET', '/v1/mentions?brand=Ac%00me', t.viewer), 400);
    expect(q).toMatchObject({ code: 'BAD_REQUEST', field: 'query.brand' });
    const p = await envelope(await t.call('GET', '/v1/brands/Ac%00me', t.viewer), 400);
    expect(p).toMatchObject({ code: 'BAD_REQUEST', field: 'path' });
    const b = await envelope(
      await t.call('POST', '/v1/brands', t.editor, { name: 'x\u0000y', query: 'x' }),
      400,
    );
    expect(b).toMatchObject({ field: 'name' });
    expect(b.message).toMatch(/NUL/);
    const nested = await envelope(
      await t.call('POST', '/v1/brands', t.editor, { name: 'x', query: 'x', competitors: ['ok', 'n\u0000'] }),
      400,
    );
    expect(nested.field).toBe('competitors[1]');
    const key = await envelope(
      await t.call('POST', '/v1/brands', t.editor, { name: 'x', query: 'x', topics: { 'a\u0000': ['b'] } }),
      400,
    );
    expect(key.field).toBe('topics.a\u0000');
  });

  it('an unpaired surrogate, a body that is not UTF-8 and a hostile nesting depth are 400s too', async () => {
    const s = await envelope(
      await t.call('POST', '/v1/brands', t.editor, '{"name":"\\ud800","query":"x"}', {
        'content-type': 'application/json',
      }),
      400,
    );
    expect(s).toMatchObject({ field: 'name' });
    const bytes = Buffer.concat([
      Buffer.from('{"name":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('","query":"x"}'),
    ]);
    const u = await t.app.request('/v1/brands', {
      method: 'POST',
      headers: { authorization: `Bearer ${t.editor}`, 'content-type': 'application/json' },
      body: bytes,
    });
    expect(await envelope(u, 400)).toMatchObject({ field: 'body' });
    const deep = `{"name":"x","query":"x","topics":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const d = await envelope(
      await t.call('POST', '/v1/brands', t.editor, deep, { 'content-type': 'application/json' }),
      400,
    );
    expect(d.message).toMatch(/nested deeper/);
    expect((await json(t.call('GET', '/v1/brands', t.viewer))).data).toHaveLength(1);
  });

  it('an ingest item with a NUL in its id is rejected by index and field; the rest of the batch is kept', async () => {
    const good = {
      platform: 'test',
      externalId: 'ok-1',
      author: { handle: 'a' },
      text: 'acme \u0000fine',
      publishedAt: '2026-11-25T07:00:00Z',
    };
    const bad = { ...good, externalId: 'bad\u0000id' };
    const raw = { ...good, externalId: 'ok-2', raw: { note: 'nul \u0000 here', 'k\u0000': 1 } };
    const r = await json(t.call('POST', '/v1/ingest', t.editor, [good, bad, raw]));
    expect(r).toMatchObject({ stored: 2, rejected: 1 });
    expect(r.errors).toEqual([{ index: 1, field: 'externalId', message: expect.stringMatching(/NUL/) }]);
    const stored = await t.h.query<{ text: string; raw: unknown }>(
      'select text, raw from mentions order by external_id',
    );
    expect(stored[0]!.text).toBe('acme fine');
    expect(JSON.stringify(stored[1]!.raw)).not.toContain('\\u0000');
  });
});

describe('content types', () => {
  it('a JSON route given another Content-Type answers 415 in the envelope', async () => {
    for (const ct of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'image/png',
    ]) {
      const r = await t.call('POST', '/v1/brands', t.editor, '{"name":"x","query":"x"}', {
        'content-type': ct,
      });
      const e = await envelope(r, 415);
      expect(e.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(e.message).toContain('application/json');
    }
    const patch = await t.call('PATCH', '/v1/brands/Acme', t.editor, 'query=x', {
      'content-type': 'text/plain',
    });
    expect((await envelope(patch, 415)).code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('long URLs', () => {
  it('a URL over 16 KiB is a 414 in the envelope', async () => {
    const r = await t.call('GET', `/v1/mentions?q=${'a'.repeat(17 * 1024)}`, t.viewer);
    expect((await envelope(r, 414)).code).toBe('URI_TOO_LONG');
  });

  it('through the Node server: 414 for a long URL, 431 for oversized headers, 400 for garbage, all in the envelope', async () => {
    const server = serveApi({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    const send = (path: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
          let body = '';
          res.on('data', (d) => {
            body += d;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      const long = await send(`/v1/mentions?q=${'a'.repeat(20 * 1024)}`, {
        authorization: `Bearer ${t.viewer}`,
      });
      expect(long.status).toBe(414);
      expect(JSON.parse(long.body).error).toMatchObject({ code: 'URI_TOO_LONG' });
      const huge = await send(`/v1/mentions?q=${'a'.repeat(80 * 1024)}`);
      expect(huge.status).toBe(431);
      expect(JSON.parse(huge.body).error).toMatchObject({
        code: 'HEADERS_TOO_LARGE',
        requestId: expect.any(String),
      });
      const fat = await send('/healthz', { 'x-filler': 'b'.repeat(70 * 1024) });
      expect(fat.status).toBe(431);
      const garbage = await new Promise<string>((resolve) => {
        import('node:net').then(({ connect }) => {
          const s = connect(port, '127.0.0.1', () => s.write('NOT HTTP AT ALL\r\n\r\n'));
          let out = '';
          s.on('data', (d) => {
            out += d;
          });
          s.on('close', () => resolve(out));
        });
      });
      expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(garbage.slice(garbage.indexOf('\r\n\r\n') + 4)).error.code).toBe('BAD_REQUEST');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
