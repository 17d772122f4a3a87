/**
 * Ingest throughput: mentions per second through the whole pipeline (normalise, dedup,
 * near-dup, brand matching, language detection, store with cursor), on PGlite and on
 * PostgreSQL, against the ceiling of a bare bulk insert of the same rows in the same run.
 *
 *   npm run bench:ingest [-- --n 50000 --batch 1000 --runs 3 --pg postgres://postgres@127.0.0.1:5432/postgres]
 *
 * Throughput on a shared machine swings with whatever else runs, so the figure to compare is the
 * ratio to the bare insert measured in the same run (best of `--runs`). The CPU line beside it
 * (milliseconds of CPU per 1,000 mentions, this process and, on Linux, the PostgreSQL backends
 * serving it) moves much less with load: it is the number to compare changes by.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { classifiers } from '../classifiers/index.ts';
import { type DbHandle, openDb } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';
import { insertMentions, type MentionInsert } from '../db/repo/mentions.ts';
import { FakeClock } from '../src/clock.ts';
import { configSchema } from '../src/config/schema.ts';
import { syncConfig } from '../src/config/sync.ts';
import { createDeps } from '../src/deps.ts';
import { silentLogger } from '../src/log.ts';
import type { MentionInput } from '../src/mention.ts';
import { validateQuery } from '../src/query/index.ts';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '50000' },
    batch: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '1' },
    pg: {
      type: 'string',
      default: process.env.EARSHOT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    },
    'skip-pglite': { type: 'boolean', default: false },
  },
});
const N = Number(args.n);
const BATCH = Number(args.batch);
const RUNS = Math.max(1, Number(args.runs));

const EN = [
  'Just got my new Acme kettle and it is honestly the best purchase this year',
  'Acme support kept me on hold for two hours, never again',
  'Has anyone tried the Globex blender? Thinking of switching from Acme',
  'The Acme app update broke login for everyone on Android #fail',
  'Acme is hiring backend engineers in Berlin, apply now',
  'Comparing Acme and Globex prices for the holiday sale, Globex wins this time',
];
const ZH = [
  '艾克米的新款水壶质量很好，推荐给大家',
  '艾克米客服太差了，等了两个小时没人理',
  '有人用过Globex的搅拌机吗？想从艾克米换过去',
  '艾克米应用更新后安卓用户都登录不了了',
  '双十一艾克米和Globex比价，这次Globex便宜',
];

const WORDS_EN =
  'price quality delivery service refund battery screen update login store order support team review broke works love hate fast slow cheap expensive warranty replace return package late early manager store app website crash bug fixed great terrible amazing awful recommend never always again today week month friend family kitchen office holiday sale discount'.split(
    ' ',
  );
const WORDS_ZH =
  '价格 质量 物流 客服 退款 电池 屏幕 更新 登录 门店 订单 售后 体验 推荐 失望 满意 便宜 太贵 保修 换货 快递 包装 迟到 经理 应用 网站 闪退 修复 优惠 活动'.split(
    ' ',
  );

/** A deterministic pseudo-random stream, so runs compare. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Synthetic mentions: 70% English, 30% Chinese; a brand template plus eight words drawn from a
 * vocabulary, so texts vary as real posts do (identical templates would make every post a
 * near-duplicate candidate of every other, which real traffic is not).
 */
function makeItems(n: number, salt: string): MentionInput[] {
  const rand = rng(salt.length * 7919 + n);
  const out: MentionInput[] = [];
  for (let i = 0; i < n; i++) {
    const zh = i % 10 < 3;
    const base = zh ? ZH[i % ZH.length]! : EN[i % EN.length]!;
    const words = zh ? WORDS_ZH : WORDS_EN;
    const extra = Array.from({ length: 8 }, () => words[Math.floor(rand() * words.length)]).join(
      zh ? '' : ' ',
    );
    out.push({
      platform: ['reddit', 'x', 'weibo', 'rss', 'mastodon'][i % 5]!,
      externalId: `${salt}-${i}`,
      url: `https://example.com/${salt}/${i}`,
      author: { handle: `user${i % 5000}`, followers: (i * 7919) % 100000 },
      text: zh ? `${base}，${extra}` : `${base}. ${extra}`,
      publishedAt: new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString(),
      metrics: { likes: i % 50, shares: i % 7, replies: i % 11 },
    });
  }
  return out;
}

async function freshPostgres(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `earshot_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(args.pg!, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const u = new URL(args.pg!);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const a = postgres(args.pg!, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU milliseconds used so far by this process and by the PostgreSQL backends connected to the
 * bench database (read from /proc: Linux with the server on this machine, else 0).
 */
async function cpuNow(h: DbHandle): Promise<{ node: number; db: Map<number, number> }> {
  const u = process.cpuUsage();
  const db = new Map<number, number>();
  if (h.kind === 'postgres') {
    const pids = await h.query<{ pid: number }>(
      'select pid from pg_stat_activity where datname = current_database()',
    );
    for (const { pid } of pids) {
      const file = `/proc/${pid}/stat`;
      if (!existsSync(file)) continue;
      const f = readFileSync(file, 'utf8');
      const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
      db.set(pid, ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK);
    }
  }
  return { node: (u.user + u.system) / 1000, db };
}

/** CPU per 1,000 rows between two readings: [this process, database backends]. */
function cpuPer1000(a: Awaited<ReturnType<typeof cpuNow>>, b: Awaited<ReturnType<typeof cpuNow>>, n: number) {
  let db = 0;
  for (const [pid, ms] of b.db) db += ms - (a.db.get(pid) ?? 0);
  return { node: ((b.node - a.node) * 1000) / n, db: (db * 1000) / n };
}

type Cpu = ReturnType<typeof cpuPer1000>;

async function pipelineRun(h: DbHandle): Promise<{ rate: number; rows: MentionInsert[]; cpu: Cpu }> {
  const collectors: never[] = [];
  const chain = classifiers.filter((c) => c.id === 'lang-detect');
  const config = {
    file: 'bench.yaml',
    config: configSchema({ collectors, channels: [], classifiers: chain }, validateQuery).parse({
      brands: [
        { name: 'Acme', query: '("acme" OR "艾克米") AND NOT (hiring OR 招聘)', competitors: ['Globex'] },
        { name: 'Initech', query: 'initech OR "tps report"' },
      ],
      pipeline: { batchSize: BATCH },
    }),
    env: {
      dataDir: mkdtempSync(path.join(tmpdir(), 'earshot-bench-')),
      logLevel: 'silent',
      secretKey: 'bench',
    },
  };
  const deps = await createDeps(config, {
    collectors,
    classifiers: chain,
    httpFactory: () => {
      throw new Error('no http in the benchmark');
    },
    clock: new FakeClock(new Date('2026-11-25T00:00:00Z')),
    log: silentLogger(),
    handle: h,
  });
  await syncConfig(deps);
  // Warm up: jieba dictionary, classifier init, JIT.
  await deps.pipeline.processBatch(makeItems(500, 'warm'), { origin: 'bench' });
  const items = makeItems(N, 'run');
  const c0 = await cpuNow(h);
  const t0 = performance.now();
  const phases: Record<string, number> = {};
  for (let i = 0; i < items.length; i += BATCH) {
    const r = await deps.pipeline.processBatch(items.slice(i, i + BATCH), {
      origin: 'bench',
      cursor: { key: 'bench', value: { i } },
    });
    for (const [k, v] of Object.entries(r.timings ?? {})) phases[k] = (phases[k] ?? 0) + v;
    if (process.stderr.isTTY) process.stderr.write(`\r  ${h.kind}: ${Math.min(i + BATCH, N)}/${N}`);
  }
  const secs = (performance.now() - t0) / 1000;
  const cpu = cpuPer1000(c0, await cpuNow(h), N);
  if (process.stderr.isTTY) process.stderr.write('\n');
  const total = Object.values(phases).reduce((a, b) => a + b, 0);
  console.log(
    `  ${h.kind} time per phase: ${Object.entries(phases)
      .map(([k, v]) => `${k} ${((v / total) * 100).toFixed(0)}%`)
      .join(', ')}`,
  );
  const rows = (await deps.db.query.mentions.findMany({
    where: (m, { like }) => like(m.externalId, 'run-%'),
  })) as MentionInsert[];
  await deps.close();
  return { rate: N / secs, rows, cpu };
}

async function bareInsert(h: DbHandle, rows: MentionInsert[]): Promise<{ rate: number; cpu: Cpu }> {
  const copy = rows.map((r) => {
    const { searchTsv: _ignored, ...rest } = r as MentionInsert & { searchTsv?: unknown };
    return { ...rest, id: `${r.id}b`, externalId: `${r.externalId}-bare` };
  });
  const c0 = await cpuNow(h);
  const t0 = performance.now();
  for (let i = 0; i < copy.length; i += BATCH) {
    await h.db.transaction(async (tx) => {
      await insertMentions(tx, copy.slice(i, i + BATCH));
    });
  }
  const rate = copy.length / ((performance.now() - t0) / 1000);
  return { rate, cpu: cpuPer1000(c0, await cpuNow(h), copy.length) };
}

async function measure(label: string, open: () => Promise<{ h: DbHandle; done: () => Promise<void> }>) {
  const { h, done } = await open();
  try {
    await migrate(h);
    const p = await pipelineRun(h);
    const bare = await bareInsert(h, p.rows);
    return {
      label,
      pipeline: p.rate,
      bare: bare.rate,
      ratio: p.rate / bare.rate,
      cpu: p.cpu,
      bareCpu: bare.cpu,
    };
  } finally {
    await done();
  }
}

type Result = Awaited<ReturnType<typeof measure>>;
const all: Result[] = [];
for (let run = 0; run < RUNS; run++) {
  if (!args['skip-pglite']) {
    all.push(
      await measure('PGlite', async () => {
        const h = await openDb({ dataDir: mkdtempSync(path.join(tmpdir(), 'earshot-bench-pglite-')) });
        return { h, done: () => h.close() };
      }),
    );
  }
  all.push(
    await measure('PostgreSQL', async () => {
      const db = await freshPostgres();
      const h = await openDb({ url: db.url, max: 4 });
      return {
        h,
        done: async () => {
          await h.close();
          await db.drop();
        },
      };
    }),
  );
}
/** Best run per database, by ratio to the same run's bare insert. */
const results = [...new Set(all.map((r) => r.label))].map(
  (label) => all.filter((r) => r.label === label).sort((a, b) => b.ratio - a.ratio)[0]!,
);
if (RUNS > 1) {
  for (const r of all)
    console.log(
      `  run: ${r.label} ${r.pipeline.toFixed(0)}/s vs bare ${r.bare.toFixed(0)}/s = ${r.ratio.toFixed(2)}`,
    );
}

console.log(
  `\nIngest throughput, ${N} mentions, batches of ${BATCH}, language detection on (2 brands + 1 competitor)${RUNS > 1 ? `, best of ${RUNS} runs` : ''}\n`,
);
console.log('database     pipeline (mentions/s)   bare bulk insert (rows/s)   pipeline / bare');
for (const r of results) {
  console.log(
    `${r.label.padEnd(12)} ${r.pipeline.toFixed(0).padStart(21)}   ${r.bare.toFixed(0).padStart(25)}   ${r.ratio.toFixed(2).padStart(15)}`,
  );
}
console.log('\nCPU ms per 1,000 mentions       pipeline: node + database      bare insert: node + database');
for (const r of all) {
  const f = (c: Cpu) => `${c.node.toFixed(0).padStart(6)} + ${c.db.toFixed(0).padStart(6)}`;
  console.log(
    `${r.label.padEnd(12)} ${' '.repeat(19)} ${f(r.cpu).padStart(21)}   ${f(r.bareCpu).padStart(28)}`,
  );
}
