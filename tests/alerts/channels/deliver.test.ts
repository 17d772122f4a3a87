import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRetryAfter, postJson } from '../../../alerts/channels/_lib/deliver.ts';
import { FetchError } from '../../../src/errors.ts';
import { type HttpSink, startHttpSink } from '../../helpers/http-sink.ts';
import { makeCtx, T0 } from './factories.ts';

describe('HTTP delivery mapping', () => {
  let sink: HttpSink;
  beforeEach(async () => {
    sink = await startHttpSink();
  });
  afterEach(() => sink.close());

  it.each([
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [410, false],
    [413, false],
    [408, true],
    [429, true],
    [500, true],
    [502, true],
  ])('HTTP %i → retry %s', async (status, retry) => {
    sink.reply({ status, body: 'nope' });
    expect(await postJson(makeCtx(), sink.url, {})).toMatchObject({ ok: false, retry, status });
  });

  it('parses Retry-After as seconds or an HTTP date on the injected clock', () => {
    expect(parseRetryAfter('7', T0)).toBe(7000);
    expect(parseRetryAfter(new Date(T0.getTime() + 90_000).toUTCString(), T0)).toBe(90_000);
    expect(parseRetryAfter('garbage', T0)).toBeUndefined();
    expect(parseRetryAfter('999999999', T0)).toBe(86_400_000);
  });

  it('returns a value, never throws, for transport errors; an abort is retried', async () => {
    const ctx = makeCtx();
    ctx.http = {
      request: async () => {
        throw new FetchError('aborted', { url: 'http://x', failure: 'aborted' });
      },
      get: async () => {
        throw new Error('unused');
      },
    };
    expect(await postJson(ctx, 'http://x', {})).toMatchObject({ ok: false, retry: true });
    ctx.http.request = async () => {
      throw new TypeError('boom');
    };
    expect(await postJson(ctx, 'http://x', {})).toEqual({ ok: false, retry: true, error: 'boom' });
  });

  it('does not echo the webhook URL (a credential) in errors', async () => {
    sink.reply({ status: 403, body: 'action_prohibited' });
    const r = await postJson(makeCtx(), `${sink.url}/services/T0/B0/SECRETTOKEN`, {});
    expect(JSON.stringify(r)).not.toContain('SECRETTOKEN');
  });
});
