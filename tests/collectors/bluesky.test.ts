import { MockAgent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BlueskyCursor, bluesky, mapPost, postUrl } from '../../collectors/bluesky.ts';
import { SourceFault } from '../../src/errors.ts';
import { createLogger } from '../../src/log.ts';
import { collectPages, ctxFor, testHttp } from '../helpers/collect.ts';
import { cassette, type FixtureServer, startFixtureServer } from '../helpers/fixture-server.ts';

// bskyr's R vcr recording of searchPosts?q=redistricting: 25 posts, `cursor: "25"`, body stored
// decoded under a stale `Content-Encoding: gzip` (dropped by the replay), RateLimit-* headers.
const rec = cassette('bluesky/f_search.yml')[0]!;
const PATH = '/xrpc/app.bsky.feed.searchPosts';

/** A server answering searchPosts with the recording, and its page 2 (`cursor=25`) as empty. */
async function searchServer(): Promise<FixtureServer> {
  const s = await startFixtureServer();
  s.route('GET', PATH, rec.reply);
  s.route('GET', (pq) => pq.startsWith(`${PATH}?`) && pq.includes('cursor=25'), {
    headers: { 'content-type': 'application/json' },
    body: '{"posts":[]}',
  });
  return s;
}

let srv: FixtureServer;
beforeAll(async () => {
  srv = await searchServer();
});
afterAll(() => srv.close());

const opts = () => ({ query: 'redistricting', baseUrl: srv.url });

describe('bluesky collector', () => {
  it('maps recorded posts: at:// ids, bsky.app URLs, counts, langs, reply parents', async () => {
    const { pages, error } = await collectPages(bluesky, ctxFor(testHttp(), null, { maxPages: 1 }), opts());
    expect(error).toBeUndefined();
    const ms = pages[0]!.mentions;
    expect(ms).toHaveLength(25);
    expect(ms[0]).toMatchObject({
      platform: 'bluesky',
      externalId: 'at://did:plc:kkergqgbhb56ptpwj2wenkje/app.bsky.feed.post/3lpk2u6qo222m',
      url: 'https://bsky.app/profile/socpaperbot.bsky.social/post/3lpk2u6qo222m',
      author: {
        handle: 'socpaperbot.bsky.social',
        url: 'https://bsky.app/profile/socpaperbot.bsky.social',
        // The author view's createdAt (account creation); it has no post count.
        createdAt: '2024-09-04T11:55:00.863Z',
      },
      publishedAt: '2025-05-19T17:10:09.561858Z',
      lang: null,
      parentId: null,
    });
    expect(ms[0]!.text).toContain('Congressional Redistricting');
    expect(ms[1]!.author.createdAt).toBe('2024-11-08T23:56:14.216Z');
    expect(ms.every((m) => typeof m.author.createdAt === 'string')).toBe(true);
    expect(ms.some((m) => 'postsCount' in m.author)).toBe(false);
    const nyhan = ms.find((m) => String(m.externalId).endsWith('/3lpjneeyp6c2w'))!;
    expect(nyhan).toMatchObject({ lang: 'en', metrics: { likes: 20, shares: 6, replies: 2 } });
    const reply = ms.find((m) => String(m.externalId).endsWith('/3lpjzka2pzc2l'))!;
    expect(reply.parentId).toMatch(/^at:\/\/did:plc:[a-z0-9]+\/app\.bsky\.feed\.post\/\w+$/);
    expect(reply.threadId).toMatch(/^at:\/\//);
    expect(pages[0]!.cursor).toMatchObject({ since: null, next: '25' });
    const q = new URL(srv.requests.at(-1)!.url, srv.url).searchParams;
    expect(q.get('sort')).toBe('latest');
    expect(q.get('q')).toBe('redistricting');
    expect(q.get('since')).toBe('1990-01-01T00:00:00.000Z'); // backfillSince on a first run
  });

  it('pages with the opaque cursor, resumes after a crash, and sends `since` on the next run', async () => {
    srv.fault((pq) => pq.includes('cursor=25'), { kind: 'timeout' }, 1);
    const crashed = await collectPages(
      bluesky,
      ctxFor(testHttp({ timeouts: { headersMs: 150, bodyMs: 150 } })),
      opts(),
    );
    expect(crashed.pages).toHaveLength(1);
    expect(crashed.error).toMatchObject({ retry: true });
    const resumed = await collectPages(bluesky, ctxFor(testHttp(), crashed.pages[0]!.cursor), opts());
    expect(resumed.error).toBeUndefined();
    expect(resumed.pages.flatMap((p) => p.mentions)).toEqual([]);
    const done = resumed.pages.at(-1)!.cursor as BlueskyCursor;
    expect(done).toEqual({ since: '2025-05-19T17:10:09.813Z', next: null, top: null });
    await collectPages(bluesky, ctxFor(testHttp(), done), opts());
    expect(new URL(srv.requests.at(-1)!.url, srv.url).searchParams.get('since')).toBe(done.since);
  });

  it('HTML, a captcha, an empty body, a changed shape and a 401 are source faults', async () => {
    const cases: [Parameters<FixtureServer['fault']>[1], string][] = [
      [{ kind: 'html', body: '<html><body>maintenance</body></html>' }, 'schema-changed'],
      [{ kind: 'captcha' }, 'captcha'],
      [{ kind: 'empty' }, 'empty'],
      [{ kind: 'status', status: 401 }, 'auth-expired'],
    ];
    for (const [fault, kind] of cases) {
      srv.fault(PATH, fault);
      const { pages, error } = await collectPages(bluesky, ctxFor(testHttp()), opts());
      expect(pages, kind).toEqual([]);
      expect(error, kind).toBeInstanceOf(SourceFault);
      expect((error as SourceFault).kind).toBe(kind);
    }
    srv.route('GET', '/changed/xrpc/app.bsky.feed.searchPosts', {
      headers: { 'content-type': 'application/json' },
      body: '{"feed":[]}',
    });
    const { error } = await collectPages(bluesky, ctxFor(testHttp()), {
      query: 'x',
      baseUrl: `${srv.url}/changed`,
    });
    expect((error as SourceFault).kind).toBe('schema-changed');
  });

  it('leaves out an author createdAt that is a placeholder or no date', () => {
    const post = {
      uri: 'at://did:plc:abc/app.bsky.feed.post/3k',
      author: { did: 'did:plc:abc', handle: 'a.bsky.social', createdAt: '0001-01-01T00:00:00.000Z' },
      record: { text: 'hi', createdAt: '2025-05-19T17:10:09.561Z' },
    };
    expect(mapPost(post).author).not.toHaveProperty('createdAt');
    expect(mapPost({ ...post, author: { ...post.author, createdAt: 42 } }).author).not.toHaveProperty(
      'createdAt',
    );
    expect(mapPost({ ...post, author: { ...post.author, createdAt: 'soon' } }).author).not.toHaveProperty(
      'createdAt',
    );
  });

  it('builds web URLs only for post URIs', () => {
    expect(postUrl('at://did:plc:abc/app.bsky.feed.post/3k', 'a.bsky.social')).toBe(
      'https://bsky.app/profile/a.bsky.social/post/3k',
    );
    expect(postUrl('at://did:plc:abc/app.bsky.feed.like/3k', 'a')).toBeNull();
  });
});

describe('bluesky login (identifier + app password)', () => {
  const CREATE = '/xrpc/com.atproto.server.createSession';
  const REFRESH = '/xrpc/com.atproto.server.refreshSession';
  const PASSWORD = 'abcd-efgh-ijkl-mnop';
  const json = (status: number, body: unknown) => ({
    status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const expired = {
    kind: 'status',
    status: 400,
    headers: { 'content-type': 'application/json' },
    body: '{"error":"ExpiredToken","message":"Token has expired"}',
  } as const;
  // A fake PDS: every login or refresh issues a numbered pair; a refresh token works once.
  let issued = 0;
  const live = new Set<string>();
  const pair = () => {
    issued++;
    live.add(`refresh-${issued}`);
    return {
      accessJwt: `access-${issued}`,
      refreshJwt: `refresh-${issued}`,
      handle: 'a.test',
      did: 'did:plc:a',
    };
  };
  let pds: FixtureServer;
  beforeAll(async () => {
    pds = await searchServer();
    pds.route('POST', CREATE, () => json(200, pair()));
    pds.route('POST', REFRESH, (req) => {
      const token = String(req.headers.authorization).replace(/^Bearer /, '');
      if (!live.delete(token)) return json(400, { error: 'ExpiredToken', message: 'Token has expired' });
      return json(200, pair());
    });
  });
  afterAll(() => pds.close());

  const since = () => pds.requests.length;
  const made = (from: number, path: string) =>
    pds.requests.slice(from).filter((r) => r.url.split('?')[0] === path);
  // Sessions live for the process, keyed by PDS and identifier: each test logs in as its own account.
  const run = (identifier: string, over: Parameters<typeof ctxFor>[2] = {}) =>
    collectPages(
      bluesky,
      ctxFor(testHttp(), null, { secrets: { identifier, appPassword: PASSWORD }, ...over }),
      {
        query: 'redistricting',
        baseUrl: pds.url,
      },
    );

  it('logs in once on the PDS and reuses the session across pages and runs', async () => {
    const from = since();
    const first = await run('reuse.test');
    expect(first.error).toBeUndefined();
    expect(first.pages.flatMap((p) => p.mentions)).toHaveLength(25);
    const second = await run('reuse.test', { maxPages: 1 });
    expect(second.error).toBeUndefined();
    const logins = made(from, CREATE);
    expect(logins).toHaveLength(1);
    expect(logins[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(logins[0]!.body)).toEqual({ identifier: 'reuse.test', password: PASSWORD });
    const searches = made(from, PATH);
    expect(searches).toHaveLength(3);
    const bearer = `Bearer access-${issued}`;
    expect(searches.every((r) => r.headers.authorization === bearer)).toBe(true);
    expect(made(from, REFRESH)).toEqual([]);
  });

  it('defaults to bsky.social with a login and keeps public.api.bsky.app without one', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get('https://bsky.social')
      .intercept({ path: CREATE, method: 'POST' })
      .reply(401, { error: 'AuthenticationRequired' });
    agent
      .get('https://public.api.bsky.app')
      .intercept({ path: (p: string) => p.startsWith(`${PATH}?`), method: 'GET' })
      .reply(403, 'forbidden');
    const http = testHttp({ dispatcher: agent });
    const login = await collectPages(
      bluesky,
      ctxFor(http, null, { secrets: { identifier: 'default.test', appPassword: PASSWORD } }),
      { query: 'x' },
    );
    expect(login.error).toMatchObject({
      kind: 'auth-expired',
      context: { url: `https://bsky.social${CREATE}` },
    });
    const anon = await collectPages(bluesky, ctxFor(http), { query: 'x' });
    expect(anon.error).toMatchObject({ kind: 'blocked' });
    expect((anon.error as SourceFault).context.url).toMatch(/^https:\/\/public\.api\.bsky\.app\/xrpc\//);
    await agent.close();
  });

  it('an ExpiredToken answer refreshes the session and the page succeeds', async () => {
    await run('refresh.test', { maxPages: 1 });
    const stale = `access-${issued}`;
    const from = since();
    pds.fault(PATH, expired, 1);
    const { pages, error } = await run('refresh.test', { maxPages: 1 });
    expect(error).toBeUndefined();
    expect(pages[0]!.mentions).toHaveLength(25);
    expect(made(from, CREATE)).toEqual([]);
    const refresh = made(from, REFRESH);
    expect(refresh).toHaveLength(1);
    expect(refresh[0]!.headers.authorization).toMatch(/^Bearer refresh-\d+$/);
    const searches = made(from, PATH);
    expect(searches.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${stale}`,
      `Bearer access-${issued}`,
    ]);
  });

  it('an expired 401 whose refresh fails logs in again, then retries the page once', async () => {
    await run('relogin.test', { maxPages: 1 });
    live.clear(); // every refresh token is now refused
    const from = since();
    pds.fault(PATH, { ...expired, status: 401 }, 1);
    const { pages, error } = await run('relogin.test', { maxPages: 1 });
    expect(error).toBeUndefined();
    expect(pages[0]!.mentions).toHaveLength(25);
    expect(made(from, REFRESH)).toHaveLength(1);
    expect(made(from, CREATE)).toHaveLength(1);
    expect(made(from, PATH).at(-1)!.headers.authorization).toBe(`Bearer access-${issued}`);
    // Still refused after the renewed session: auth-expired, no third try.
    const again = since();
    pds.fault(PATH, expired, 2);
    const failed = await run('relogin.test', { maxPages: 1 });
    expect((failed.error as SourceFault).kind).toBe('auth-expired');
    expect(made(again, PATH)).toHaveLength(2);
  });

  it('refused credentials are an auth-expired fault, not retried, and search is never called', async () => {
    for (const error of ['AuthenticationRequired', 'AccountTakedown']) {
      const from = since();
      pds.fault(CREATE, {
        kind: 'status',
        status: 401,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ error, message: 'Invalid identifier or password' }),
      });
      const r = await collectPages(
        bluesky,
        ctxFor(testHttp({ retries: 3 }), null, {
          secrets: { identifier: `bad-${error}`, appPassword: PASSWORD },
        }),
        { query: 'x', baseUrl: pds.url },
      );
      expect(r.pages).toEqual([]);
      expect(r.error).toBeInstanceOf(SourceFault);
      expect(r.error).toMatchObject({ kind: 'auth-expired', retry: false });
      expect((r.error as Error).message).toContain(error);
      expect(made(from, CREATE)).toHaveLength(1);
      expect(made(from, PATH)).toEqual([]);
    }
    const half = await collectPages(
      bluesky,
      ctxFor(testHttp(), null, { secrets: { identifier: 'a.test' } }),
      {
        query: 'x',
        baseUrl: pds.url,
      },
    );
    expect(half.error).toMatchObject({ kind: 'auth-expired', retry: false });
  });

  it('a ready token is sent as it is; when it expires the fault is auth-expired', async () => {
    const from = since();
    const ok = await collectPages(
      bluesky,
      ctxFor(testHttp(), null, { secrets: { token: 'ready' }, maxPages: 1 }),
      {
        query: 'x',
        baseUrl: pds.url,
      },
    );
    expect(ok.error).toBeUndefined();
    expect(made(from, PATH)[0]!.headers.authorization).toBe('Bearer ready');
    pds.fault(PATH, expired, 1);
    const r = await collectPages(bluesky, ctxFor(testHttp(), null, { secrets: { token: 'ready' } }), {
      query: 'x',
      baseUrl: pds.url,
    });
    expect(r.error).toMatchObject({ kind: 'auth-expired', retry: false });
    expect(made(from, CREATE)).toEqual([]);
    expect(made(from, REFRESH)).toEqual([]);
  });

  it('the app password never appears in a request URL, an error or the HTTP log', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'trace', destination: { write: (s: string) => void lines.push(s) } });
    pds.fault(CREATE, { kind: 'status', status: 500 }, 1);
    pds.fault(PATH, expired, 1);
    const r = await collectPages(
      bluesky,
      ctxFor(testHttp({ log, retries: 1 }), null, {
        log,
        secrets: { identifier: 'leak.test', appPassword: PASSWORD },
      }),
      { query: 'x', baseUrl: pds.url },
    );
    pds.fault(CREATE, { kind: 'status', status: 401, body: '{"error":"AuthenticationRequired"}' }, 1);
    const bad = await collectPages(
      bluesky,
      ctxFor(testHttp({ log }), null, { log, secrets: { identifier: 'leak2.test', appPassword: PASSWORD } }),
      { query: 'x', baseUrl: pds.url },
    );
    expect(r.error).toBeUndefined();
    expect(lines.join('\n')).toContain('retrying request'); // the log was captured
    expect(pds.requests.every((q) => !q.url.includes(PASSWORD) && !q.url.includes('abcd'))).toBe(true);
    const err = bad.error as SourceFault;
    expect(err.kind).toBe('auth-expired');
    expect(JSON.stringify({ m: err.message, c: err.context, s: err.stack })).not.toContain(PASSWORD);
    expect(lines.join('\n')).not.toContain(PASSWORD);
  });
});

describe('bluesky: recorded posts with fields the lexicon requires but clients omit', () => {
  type RawPost = {
    uri: string;
    indexedAt: string;
    author: { did: string; handle: string };
    record: Record<string, unknown>;
  };
  const posts = (JSON.parse(String(rec.reply.body)) as { posts: RawPost[] }).posts;
  const variant = (over: (p: RawPost) => void) => {
    const p = structuredClone(posts[0]!);
    over(p);
    return p;
  };

  it('keeps a post without record.createdAt (dated by indexedAt), with a malformed reply ref, or langs not a list', async () => {
    const s = await startFixtureServer();
    try {
      const list = [
        variant((p) => {
          delete p.record.createdAt;
          p.uri = `${p.uri}a`;
        }),
        variant((p) => {
          p.record.reply = { parent: { cid: 'x' } };
          p.uri = `${p.uri}b`;
        }),
        variant((p) => {
          p.record.langs = 'en';
          p.uri = `${p.uri}c`;
        }),
      ];
      s.route('GET', PATH, {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ posts: list }),
      });
      const r = await collectPages(bluesky, ctxFor(testHttp()), { query: 'q', baseUrl: s.url });
      expect(r.error).toBeUndefined();
      const ms = r.pages.flatMap((p) => p.mentions);
      expect(ms.map((m) => m.externalId)).toEqual(list.map((p) => p.uri));
      expect(ms[0]!.publishedAt).toBe(posts[0]!.indexedAt);
      expect(ms[1]).toMatchObject({ parentId: null, threadId: list[1]!.uri });
      expect(ms[2]!.lang).toBeNull();
    } finally {
      await s.close();
    }
  });

  it('names and links an author whose handle no longer verifies (handle.invalid) by DID', () => {
    const p = variant((x) => {
      x.author.handle = 'handle.invalid';
    });
    const did = p.author.did;
    const m = mapPost(p as never);
    expect(m.author).toMatchObject({ handle: did, url: `https://bsky.app/profile/${did}` });
    expect(m.url).toMatch(new RegExp(`^https://bsky\\.app/profile/${did}/post/`));
  });
});
