/**
 * Alert latency: the service on PostgreSQL (a fresh database created here and dropped after)
 * with a webhook channel pointing at a local sink; bursts of negative mentions go in through
 * `POST /v1/ingest`, and we time ingest request → webhook request, per burst (one brand per
 * burst, so each burst opens its own incident). Prints p50/p99; target p99 < 2 s. Two phases:
 *   - cold: the burst is the brand's first data, so the negative-spike rule's cold-start path
 *     decides (`--size`, default 25: over its doubled floors of 20 negatives from 10 authors);
 *   - warm: each brand first gets `--history` hours (default 72) of ordinary traffic (1 negative
 *     and 3 positive posts an hour, ingested through the API like everything else, so the alert
 *     engine bootstraps the brand's spike detector from it), then a burst of `--warm-size`
 *     (default 40: over the detector's materiality of 30 above the expected hour) in the hour in
 *     progress, which the detector's peek reports.
 *
 *   npm run bench:alert-latency [-- --bursts 40 --size 25 --warm-size 40 --history 72 --pg postgres://postgres@127.0.0.1:5432/postgres]
 *
 * The production classifier registry has no sentiment model yet, so a keyword classifier
 * marks "awful" posts negative; everything else (pipeline, rules, grading, outbox,
 * dispatcher, real HTTP client, webhook channel with HMAC signature) is the production path.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { inArray } from 'drizzle-orm';
import postgres from 'postgres';
import { z } from 'zod';
import { spikeStateKey } from '../alerts/detect.ts';
import { defineClassifier } from '../classifiers/types.ts';
import { apiKeys, brands as brandRows, detectorState } from '../db/schema/index.ts';
import { configSchema } from '../src/config/schema.ts';
import { createDeps } from '../src/deps.ts';
import { newId } from '../src/ids.ts';
import { silentLogger } from '../src/log.ts';
import { validateQuery } from '../src/query/index.ts';
import { productionPlugins } from '../src/registry.ts';
import { generateApiKey } from '../src/secrets.ts';
import { startService } from '../src/service.ts';
import { startHttpSink } from '../tests/helpers/http-sink.ts';

const { values: args } = parseArgs({
  options: {
    bursts: { type: 'string', default: '40' },
    size: { type: 'string', default: '25' },
    'warm-size': { type: 'string', default: '40' },
    history: { type: 'string', default: '72' },
    pg: {
      type: 'string',
      default: process.env.EARSHOT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    },
  },
});
const BURSTS = Number(args.bursts);
const SIZE = Number(args.size);
const WARM_SIZE = Number(args['warm-size']);
const HISTORY_HOURS = Number(args.history);

const keywordSentiment = defineClassifier({
  id: 'bench-sentiment',
  version: '1',
  description: 'negative when the text says "awful" (benchmark stand-in)',
  options: z.object({}),
  produces: ['sentiment'],
  classify: (_ctx, inputs) =>
    inputs.map((i) => ({
      sentiment: /awful/.test(i.text)
        ? { label: 'negative' as const, score: -0.8, confidence: 0.9 }
        : { label: 'positive' as const, score: 0.5, confidence: 0.9 },
    })),
});

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

async function main() {
  const dbName = `earshot_alertbench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(args.pg!, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  await admin.end();
  const url = new URL(args.pg!);
  url.pathname = `/${dbName}`;
  const sink = await startHttpSink();
  const arrived = new Map<string, number>();
  sink.reply((req) => {
    const brand = (req.json() as { incident?: { brandName?: string } }).incident?.brandName;
    if (brand && !arrived.has(brand)) arrived.set(brand, performance.now());
    return { status: 200, body: 'ok' };
  });
  const brands = Array.from({ length: BURSTS }, (_, i) => [
    { name: `Brand${i}`, query: `brand${i}` },
    { name: `Warm${i}`, query: `warm${i}` },
  ])
    .flat()
    .concat({ name: 'Sentinel', query: 'sentinel' });
  const config = {
    file: 'bench.yaml',
    config: configSchema(productionPlugins(), validateQuery).parse({
      server: { port: 0, host: '127.0.0.1' },
      network: { allowPrivate: ['127.0.0.0/8'] },
      brands,
      alerts: {
        channels: [
          {
            name: 'sink',
            type: 'webhook',
            options: { url: `${sink.url}/hook` },
            secrets: { secret: 'bench-secret' },
            allowPrivateNetwork: true,
          },
        ],
      },
    }),
    env: {
      databaseUrl: url.toString(),
      dataDir: mkdtempSync(path.join(tmpdir(), 'earshot-alertbench-')),
      logLevel: 'silent',
      secretKey: 'bench',
    },
  };
  const plugins = productionPlugins();
  const deps = await createDeps(config, {
    ...plugins,
    classifiers: [...plugins.classifiers, keywordSentiment],
    log: silentLogger(),
  });
  const k = generateApiKey();
  await deps.db
    .insert(apiKeys)
    .values({ id: newId('key'), name: 'bench', role: 'admin', hash: k.hash, prefix: k.prefix });
  const svc = await startService(deps, { port: 0 });
  if (process.env.BENCH_DEBUG)
    deps.events.on('incident', (e) =>
      process.stderr.write(`incident ${e.change} ${performance.now().toFixed(0)}\n`),
    );
  const cold: number[] = [];
  const warm: number[] = [];
  /** One burst for one brand: ingest request → first webhook request naming the brand. */
  const timeBurst = async (term: string, name: string, size: number) => {
    const t0 = performance.now();
    const r = await post(svc.url, k.key, makeBurst(term, size, true));
    if (process.env.BENCH_DEBUG)
      process.stderr.write(`t0 ${t0.toFixed(0)} ingest ${(performance.now() - t0).toFixed(0)} ms\n`);
    if (r.stored !== size) throw new Error(`${name}: stored ${r.stored}/${size}`);
    const deadline = t0 + 15_000;
    while (!arrived.has(name) && performance.now() < deadline) await new Promise((res) => setTimeout(res, 2));
    const t1 = arrived.get(name);
    if (t1 === undefined) throw new Error(`no webhook for ${name} within 15 s`);
    if (process.env.BENCH_DEBUG) process.stderr.write(`arrived ${t1.toFixed(0)}\n`);
    return t1 - t0;
  };
  try {
    // Warm-up: classifiers, JIT, connection pool (a brand that never alerts).
    await post(svc.url, k.key, makeBurst('warmup', 5, false));
    for (let b = 0; b < BURSTS; b++) cold.push(await timeBurst(`brand${b}`, `Brand${b}`, SIZE));
    // Ordinary history for the warm brands, then wait until the engine has bootstrapped their detectors.
    const history = Array.from({ length: BURSTS }, (_, b) => makeHistory(`warm${b}`, HISTORY_HOURS)).flat();
    for (let i = 0; i < history.length; i += 500) await post(svc.url, k.key, history.slice(i, i + 500));
    const keys = (await deps.db.select().from(brandRows))
      .filter((b) => b.name.startsWith('Warm'))
      .map((b) => spikeStateKey(b.id));
    const bootstrapped = async () =>
      (await deps.db.select().from(detectorState).where(inArray(detectorState.key, keys))).length;
    const deadline = performance.now() + 120_000;
    while ((await bootstrapped()) < BURSTS) {
      if (performance.now() > deadline) throw new Error('spike detectors not bootstrapped within 120 s');
      await new Promise((res) => setTimeout(res, 50));
    }
    // The engine evaluates batches one after another: once a burst sent after the history has
    // alerted, the history's evaluations are done and the warm bursts do not queue behind them.
    await timeBurst('sentinel', 'Sentinel', SIZE);
    for (let b = 0; b < BURSTS; b++) warm.push(await timeBurst(`warm${b}`, `Warm${b}`, WARM_SIZE));
  } finally {
    await svc.stop();
    await sink.close();
    const a = postgres(args.pg!, { max: 1, onnotice: () => {} });
    await a.unsafe(`drop database if exists ${dbName} with (force)`);
    await a.end();
  }
  const f = (x: number) => `${x.toFixed(0)} ms`;
  const line = (xs: number[]) =>
    `p50 ${f(pct(xs, 50))}  p99 ${f(pct(xs, 99))}  max ${f(Math.max(...xs))}  (target p99 < 2000 ms)`;
  process.stdout.write(
    `alert latency (ingest → webhook), PostgreSQL, ${BURSTS} bursts per phase:\n` +
      `  cold brand (cold-start rule), bursts of ${SIZE}:              ${line(cold)}\n` +
      `  warm brand (${HISTORY_HOURS} h history, spike detector), bursts of ${WARM_SIZE}: ${line(warm)}\n`,
  );
}

/** `hours` of ordinary traffic before the current hour: 1 negative and 3 positive posts an hour. */
function makeHistory(term: string, hours: number) {
  const start = Math.floor(Date.now() / 3_600_000) * 3_600_000 - hours * 3_600_000;
  const salt = randomBytes(4).toString('hex');
  return Array.from({ length: hours * 4 }, (_, i) => ({
    platform: 'weibo',
    externalId: `${term}-history-${salt}-${i}`,
    url: `https://example.com/${term}/history/${salt}/${i}`,
    author: { handle: `${term}-regular-${i}`, followers: 50 },
    text: `${term} ${i % 4 === 0 ? 'is awful' : 'is fine'} today, note ${i} ${randomBytes(3).toString('hex')}`,
    publishedAt: new Date(start + i * 900_000 + 60_000).toISOString(),
  }));
}

function makeBurst(term: string, n: number, negative: boolean) {
  const now = Date.now();
  const salt = randomBytes(4).toString('hex');
  return Array.from({ length: n }, (_, i) => ({
    platform: ['weibo', 'x', 'reddit'][i % 3],
    externalId: `${term}-${salt}-${i}`,
    url: `https://example.com/${term}/${salt}/${i}`,
    author: { handle: `${term}-author-${i}`, followers: 100 + i * 37 },
    text: `${term} ${negative ? 'is awful' : 'is fine'}: complaint ${i} ${salt} ${randomBytes(3).toString('hex')}`,
    publishedAt: new Date(now - i * 1000).toISOString(),
  }));
}

async function post(base: string, key: string, items: unknown[]): Promise<{ stored: number }> {
  const res = await fetch(`${base}/v1/ingest`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(items),
  });
  if (!res.ok) throw new Error(`ingest: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as { stored: number };
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
