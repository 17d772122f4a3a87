/**
 * Analytics API latency over 1,000,000 mentions on PostgreSQL.
 *
 *   npm run bench:api                       # 1,000,000 mentions on postgres://postgres@127.0.0.1:5432
 *   EARSHOT_BENCH_PG_URL=postgres://... BENCH_MENTIONS=200000 BENCH_RUNS=100 npm run bench:api
 *
 * Creates a fresh database, generates mentions with generate_series (90 days, five platforms,
 * 100,000 authors, three brands), fills every rollup with the same aggregates the ingest
 * transaction maintains, then measures p50/p95 of each analytics endpoint through
 * `app.request` (the full Hono stack: auth, validation, JSON). The database is dropped after.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import postgres from 'postgres';
import { openDb } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';
import { apiKeys } from '../db/schema/index.ts';
import { createApp } from '../src/api/app.ts';
import type { RuntimeConfig } from '../src/config/load.ts';
import { configSchema } from '../src/config/schema.ts';
import { createDeps } from '../src/deps.ts';
import { silentLogger } from '../src/log.ts';
import { recomputeInfluence } from '../src/profiles/erase.ts';
import { TOP_PER_DAY } from '../src/profiles/update.ts';
import { generateApiKey } from '../src/secrets.ts';

const ADMIN =
  process.env.EARSHOT_BENCH_PG_URL ??
  process.env.EARSHOT_TEST_PG_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';
const N = Number(process.env.BENCH_MENTIONS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const AUTHORS = 100_000;
const NOW = new Date('2026-11-25T08:00:00Z');

const log = (s: string) => process.stderr.write(`${s}\n`);

async function main() {
  const name = `earshot_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(ADMIN, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const u = new URL(ADMIN);
  u.pathname = `/${name}`;
  const h = await openDb({ url: u.toString(), max: 4 });
  try {
    await migrate(h);
    const t0 = performance.now();
    await generate(h.query.bind(h));
    log(
      `generated ${N.toLocaleString()} mentions and rollups in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    const config: RuntimeConfig = {
      file: 'bench.yaml',
      config: configSchema({ collectors: [], channels: [], classifiers: [] }).parse({}),
      env: { dataDir: tmpdir(), logLevel: 'silent', secretKey: 'bench-secret-key-material' },
    };
    const deps = await createDeps(config, {
      collectors: [],
      classifiers: [],
      httpFactory: () => {
        throw new Error('no HTTP in the bench');
      },
      handle: h,
      log: silentLogger(),
      clock: { now: () => NOW, sleep: async () => {} },
    });
    await recomputeInfluence(deps.db, config.config.profiles);
    await h.query('analyze');
    const k = generateApiKey();
    await deps.db
      .insert(apiKeys)
      .values({ id: 'key_bench', name: 'bench', role: 'viewer', hash: k.hash, prefix: k.prefix });
    const app = createApp(deps);
    const headers = { authorization: `Bearer ${k.key}` };

    const endpoints: [string, string][] = [
      ['summary 7d', '/v1/analytics/summary?brand=Acme'],
      ['volume 7d hourly by platform', '/v1/analytics/volume?brand=Acme&interval=hour&by=platform'],
      ['volume 30d daily by lang', `/v1/analytics/volume?brand=Acme&interval=day&by=lang&from=${iso(30)}`],
      [
        'volume 90d daily Asia/Shanghai',
        `/v1/analytics/volume?brand=Acme&interval=day&tz=Asia/Shanghai&from=${iso(90)}`,
      ],
      ['sentiment 30d daily', `/v1/analytics/sentiment?brand=Acme&interval=day&from=${iso(30)}`],
      ['share of voice 30d', `/v1/analytics/share-of-voice?brand=Acme&from=${iso(30)}`],
      ['topics 7d (+emerging)', '/v1/analytics/topics?brand=Acme'],
      ['topics 90d', `/v1/analytics/topics?brand=Acme&from=${iso(90)}`],
      ['top mentions 7d', '/v1/analytics/top-mentions?brand=Acme&limit=20'],
      ['top mentions 90d', `/v1/analytics/top-mentions?brand=Acme&limit=20&from=${iso(90)}`],
      ['top authors by influence', '/v1/analytics/top-authors?brand=Acme&limit=20'],
      ['top authors by posts', '/v1/analytics/top-authors?brand=Acme&sort=posts&limit=20'],
      ['geography 30d', `/v1/analytics/geography?brand=Acme&from=${iso(30)}`],
      ['source health', '/v1/analytics/sources'],
    ];
    const results: { name: string; p50: number; p95: number; max: number }[] = [];
    for (const [label, path] of endpoints) {
      for (let i = 0; i < 10; i++) await call(app, path, headers);
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const s = performance.now();
        await call(app, path, headers);
        times.push(performance.now() - s);
      }
      times.sort((a, b) => a - b);
      const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
      results.push({ name: label, p50: q(0.5), p95: q(0.95), max: times.at(-1)! });
    }
    const w = Math.max(...results.map((r) => r.name.length));
    const lines = [
      `Analytics API over ${N.toLocaleString()} mentions on PostgreSQL (${RUNS} runs each, app.request, ms)`,
      `| ${'endpoint'.padEnd(w)} |    p50 |    p95 |    max |`,
      `|${'-'.repeat(w + 2)}|-------:|-------:|-------:|`,
      ...results.map(
        (r) =>
          `| ${r.name.padEnd(w)} | ${r.p50.toFixed(1).padStart(6)} | ${r.p95.toFixed(1).padStart(6)} | ${r.max.toFixed(1).padStart(6)} |`,
      ),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    const worst = Math.max(...results.map((r) => r.p95));
    process.stdout.write(
      `worst p95: ${worst.toFixed(1)} ms (target < 100 ms): ${worst < 100 ? 'OK' : 'MISSED'}\n`,
    );
    await baseline(h.query.bind(h), app, headers, results);
  } finally {
    await h.close();
    if (process.env.BENCH_KEEP) log(`kept database ${name} (BENCH_KEEP)`);
    else await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

/**
 * Baseline in the same run: the same answers computed the naive way, by scanning `mentions`
 * joined with `mention_brands` (what the endpoints would cost without rollups). Prints the ratio
 * of the scan's p50 to the endpoint's, and checks that both give the same totals, so the bench
 * also proves the rollups agree with the rows they summarise.
 */
async function baseline(
  q: (sql: string, params?: unknown[]) => Promise<unknown[]>,
  app: ReturnType<typeof createApp>,
  headers: Record<string, string>,
  results: { name: string; p50: number }[],
) {
  const from30 = iso(30);
  const now = NOW.toISOString();
  const scans: { name: string; sql: string; api: string; total: (api: unknown) => number }[] = [
    {
      name: 'volume 30d daily by lang',
      sql: `select date_trunc('day', m.published_at at time zone 'UTC') as d, coalesce(m.lang, 'und') as l, count(*)::int as n
        from mention_brands mb join mentions m on m.id = mb.mention_id
        where mb.brand_id = 'brd_acme' and m.published_at >= '${from30}' and m.published_at < '${now}' group by 1, 2`,
      api: `/v1/analytics/volume?brand=Acme&interval=day&by=lang&from=${from30}&to=${now}`,
      total: (j) => (j as { series: { total: number }[] }).series.reduce((a, p) => a + p.total, 0),
    },
    {
      name: 'share of voice 30d',
      sql: `select mb.brand_id, count(*)::int as n from mention_brands mb join mentions m on m.id = mb.mention_id
        where m.published_at >= '${from30}' and m.published_at < '${now}' group by 1`,
      api: `/v1/analytics/volume?brand=Acme&interval=day&from=${from30}&to=${now}`,
      total: (j) => (j as { series: { total: number }[] }).series.reduce((a, p) => a + p.total, 0),
    },
  ];
  const runs = Math.max(5, Math.round(RUNS / 20));
  process.stdout.write(`\nBaseline (same run): full scan of mentions ⋈ mention_brands, ${runs} runs each\n`);
  for (const b of scans) {
    const times: number[] = [];
    let rows: { n: number; brand_id?: string }[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      rows = (await q(b.sql)) as typeof rows;
      times.push(performance.now() - t);
    }
    times.sort((a, c) => a - c);
    const scanP50 = times[Math.floor(times.length / 2)]!;
    const scanTotal = rows
      .filter((r) => !r.brand_id || r.brand_id === 'brd_acme')
      .reduce((a, r) => a + r.n, 0);
    const r = await app.request(b.api, { headers });
    const apiTotal = b.total(await r.json());
    const ep = results.find((x) => x.name === b.name)!;
    process.stdout.write(
      `  ${b.name.padEnd(26)} scan p50 ${scanP50.toFixed(1).padStart(7)} ms, endpoint p50 ${ep.p50.toFixed(1).padStart(5)} ms: ` +
        `${(scanP50 / ep.p50).toFixed(0)}× faster; Acme total ${apiTotal} (endpoint) vs ${scanTotal} (scan): ${apiTotal === scanTotal ? 'equal' : 'DIFFERENT'}\n`,
    );
  }
}

const iso = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();

async function call(app: ReturnType<typeof createApp>, path: string, headers: Record<string, string>) {
  const r = await app.request(path, { headers });
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  await r.arrayBuffer();
}

/** Mentions, brand links and every rollup, in bulk SQL; the rollups use the ingest's definitions. */
async function generate(q: (sql: string, params?: unknown[]) => Promise<unknown[]>) {
  const now = NOW.toISOString();
  await q(`insert into brands (id, name, query, competitors, settings, origin) values
    ('brd_acme', 'Acme', '"acme"', '["Globex","Initech"]', '{"locale":"bilingual"}', 'api'),
    ('brd_globex', 'Globex', '"globex"', '[]', '{}', 'api'),
    ('brd_initech', 'Initech', '"initech"', '[]', '{}', 'api')`);
  await q(
    `insert into sources (id, name, type, schedule) select 'src_' || g, 'source-' || g, 'rss', '*/10 * * * *' from generate_series(1, 12) g`,
  );
  await q(
    `insert into source_health (source_id, state, last_success_at, last_mention_at, runs, avg_items)
    select id, case when random() < 0.8 then 'ok' else 'failing' end, $1::timestamptz, $1::timestamptz - interval '5 minutes', 100, 20 from sources`,
    [now],
  );
  const CHUNK = 100_000;
  for (let start = 0; start < N; start += CHUNK) {
    const end = Math.min(N, start + CHUNK) - 1;
    // Author a = hash of i; its platform and followers are functions of a, so an author is consistent.
    await q(
      `insert into mentions (id, platform, external_id, url, author_handle, author_name, author_followers, text, lang,
         published_at, collected_at, updated_at, likes, shares, replies, story_id, sentiment_label, sentiment_score,
         spam_score, topics, raw, search_text)
       select 'men_b' || i, (array['weibo','x','reddit','youtube','news'])[1 + a % 5], 'e' || i, 'https://example.com/' || i,
         'u' || a, 'User ' || a,
         case when a % 5 = 2 then null else floor(power(10, (((a::bigint * 2654435761) % 1000003) / 1000003.0) * 6.8))::int end,
         'acme benchmark post ' || i, case when a % 5 = 0 then 'zh' else 'en' end,
         $1::timestamptz - ((i::bigint * 104729) % 7776000) * interval '1 second', $1::timestamptz, $1::timestamptz,
         (i * 31) % 300, (i * 17) % 40, (i * 7) % 25, 'men_b' || i,
         (array['positive','positive','positive','positive','negative','negative','neutral','neutral','neutral','neutral'])[1 + i % 10],
         (array[0.6,0.6,0.6,0.6,-0.6,-0.6,0,0,0,0])[1 + i % 10],
         ((i * 13) % 100) / 100.0 * 0.3,
         jsonb_build_array((array['price','battery','service','design','shipping','quality','app','refund'])[1 + i % 8]),
         case when i % 3 = 0 then jsonb_build_object('region', (array['上海','北京','广东','California','London'])[1 + i % 5]) else null end,
         ''
       from (select i, ((i::bigint * 7919) % ${AUTHORS})::int as a from generate_series(${start}, ${end}) i) s`,
      [now],
    );
    await q(
      `insert into mention_brands (mention_id, brand_id, published_at, sentiment_label, sentiment_score)
       select id, case when (substr(id, 6)::int * 37) % 100 < 60 then 'brd_acme' when (substr(id, 6)::int * 37) % 100 < 85 then 'brd_globex' else 'brd_initech' end,
         published_at, sentiment_label, sentiment_score
       from mentions where id >= 'men_b' and substr(id, 6)::int between ${start} and ${end}`,
    );
    log(`  ${(end + 1).toLocaleString()} mentions`);
  }
  await q(`insert into brand_hourly (brand_id, hour, platform, lang, total, positive, negative, neutral, sentiment_sum, engagement, reach)
    select mb.brand_id, date_trunc('hour', m.published_at), m.platform, coalesce(m.lang, 'und'), count(*),
      count(*) filter (where mb.sentiment_label = 'positive'), count(*) filter (where mb.sentiment_label = 'negative'),
      count(*) filter (where mb.sentiment_label = 'neutral'), coalesce(sum(mb.sentiment_score), 0),
      sum(coalesce(m.likes, 0) + coalesce(m.shares, 0) + coalesce(m.replies, 0)), sum(coalesce(m.author_followers, 0))
    from mention_brands mb join mentions m on m.id = mb.mention_id group by 1, 2, 3, 4`);
  await q(
    `insert into authors (platform, handle, name, followers, posts, engagement, views, reach, spam_sum, spam_n,
      first_seen_at, last_seen_at, activity, activity_at, updated_at)
    select platform, author_handle, max(author_name), max(author_followers), count(*),
      sum(coalesce(likes, 0) + coalesce(shares, 0) + coalesce(replies, 0)), 0, sum(coalesce(author_followers, 0)),
      sum(coalesce(spam_score, 0)), count(spam_score), min(published_at), max(published_at),
      sum(power(0.5, extract(epoch from ($1::timestamptz - published_at)) / 2592000)), $1::timestamptz, $1::timestamptz
    from mentions group by 1, 2`,
    [now],
  );
  await q(
    `insert into platform_stats (platform, n, n_reach, reach_sum, reach_sq, eng_sum, eng_sq, updated_at)
    select platform, count(*), count(author_followers),
      coalesce(sum(log(1 + author_followers::float8)), 0), coalesce(sum(log(1 + author_followers::float8) ^ 2), 0),
      sum(log(1 + (coalesce(likes, 0) + coalesce(shares, 0) + coalesce(replies, 0))::float8)),
      sum(log(1 + (coalesce(likes, 0) + coalesce(shares, 0) + coalesce(replies, 0))::float8) ^ 2), $1::timestamptz
    from mentions group by 1`,
    [now],
  );
  await q(`insert into author_brands (brand_id, platform, handle, posts, positive, negative, neutral, sentiment_sum, sentiment_n,
      engagement, reach, first_at, last_at, last_negative_at)
    select mb.brand_id, m.platform, m.author_handle, count(*), count(*) filter (where mb.sentiment_label = 'positive'),
      count(*) filter (where mb.sentiment_label = 'negative'), count(*) filter (where mb.sentiment_label = 'neutral'),
      coalesce(sum(mb.sentiment_score), 0), count(mb.sentiment_score),
      sum(coalesce(m.likes, 0) + coalesce(m.shares, 0) + coalesce(m.replies, 0)), sum(coalesce(m.author_followers, 0)),
      min(m.published_at), max(m.published_at), max(m.published_at) filter (where mb.sentiment_label = 'negative')
    from mention_brands mb join mentions m on m.id = mb.mention_id group by 1, 2, 3`);
  await q(`insert into author_topics (platform, handle, topic, n, last_at)
    select platform, author_handle, t, count(*), max(published_at) from mentions, jsonb_array_elements_text(topics) t group by 1, 2, 3`);
  await q(`insert into brand_topic_daily (brand_id, day, topic, n, negative)
    select mb.brand_id, date_trunc('day', m.published_at at time zone 'UTC') at time zone 'UTC', t, count(*),
      count(*) filter (where mb.sentiment_label = 'negative')
    from mention_brands mb join mentions m on m.id = mb.mention_id, jsonb_array_elements_text(m.topics) t group by 1, 2, 3`);
  await q(`insert into brand_geo_daily (brand_id, day, geo, n)
    select mb.brand_id, date_trunc('day', m.published_at at time zone 'UTC') at time zone 'UTC', m.raw->>'region', count(*)
    from mention_brands mb join mentions m on m.id = mb.mention_id where m.raw ? 'region' group by 1, 2, 3`);
  await q(`insert into brand_top_mentions (brand_id, day, mention_id, reach, engagement)
    select brand_id, day, id, reach, eng from (
      select mb.brand_id, date_trunc('day', m.published_at at time zone 'UTC') at time zone 'UTC' as day, m.id,
        coalesce(m.author_followers, 0) as reach, coalesce(m.likes, 0) + coalesce(m.shares, 0) + coalesce(m.replies, 0) as eng,
        row_number() over (partition by mb.brand_id, date_trunc('day', m.published_at at time zone 'UTC')
          order by coalesce(m.author_followers, 0) desc, coalesce(m.likes, 0) + coalesce(m.shares, 0) + coalesce(m.replies, 0) desc, m.id) as rn
      from mention_brands mb join mentions m on m.id = mb.mention_id) x
    where rn <= ${TOP_PER_DAY}`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
