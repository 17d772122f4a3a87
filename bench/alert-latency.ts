/**
 * Alert latency: the service on PostgreSQL (a fresh database created here and dropped after)
 * with a webhook channel pointing at a local sink; bursts of negative mentions go in through
 * `POST /v1/ingest`, and we time ingest request → webhook request, per burst (one brand per
 * burst, so each burst opens its own incident). Prints p50/p99; target p99 < 2 s.
 *
 *   npm run bench:alert-latency [-- --bursts 40 --size 25 --pg postgres://postgres@127.0.0.1:5432/postgres]
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
import postgres from 'postgres';
import { z } from 'zod';
import { defineClassifier } from '../classifiers/types.ts';
import { apiKeys } from '../db/schema/index.ts';
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
    pg: {
      type: 'string',
      default: process.env.EARSHOT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    },
  },
});
const BURSTS = Number(args.bursts);
const SIZE = Number(args.size);

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
  const brands = Array.from({ length: BURSTS }, (_, i) => ({ name: `Brand${i}`, query: `brand${i}` }));
  const config = {
    file: 'bench.yaml',
    config: configSchema(productionPlugins().collectors, validateQuery).parse({
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
  const latencies: number[] = [];
  try {
    // Warm-up: classifiers, JIT, connection pool (a brand that never alerts).
    await post(svc.url, k.key, makeBurst('warmup', 5, false));
    for (let b = 0; b < BURSTS; b++) {
      const t0 = performance.now();
      const r = await post(svc.url, k.key, makeBurst(`brand${b}`, SIZE, true));
      if (process.env.BENCH_DEBUG)
        process.stderr.write(`t0 ${t0.toFixed(0)} ingest ${(performance.now() - t0).toFixed(0)} ms\n`);
      if (r.stored !== SIZE) throw new Error(`burst ${b}: stored ${r.stored}/${SIZE}`);
      const name = `Brand${b}`;
      const deadline = t0 + 15_000;
      while (!arrived.has(name) && performance.now() < deadline)
        await new Promise((res) => setTimeout(res, 2));
      const t1 = arrived.get(name);
      if (t1 === undefined) throw new Error(`no webhook for ${name} within 15 s`);
      latencies.push(t1 - t0);
      if (process.env.BENCH_DEBUG) process.stderr.write(`arrived ${t1.toFixed(0)}\n`);
    }
  } finally {
    await svc.stop();
    await sink.close();
    const a = postgres(args.pg!, { max: 1, onnotice: () => {} });
    await a.unsafe(`drop database if exists ${dbName} with (force)`);
    await a.end();
  }
  const f = (x: number) => `${x.toFixed(0)} ms`;
  process.stdout.write(
    `alert latency (ingest → webhook), PostgreSQL, ${BURSTS} bursts of ${SIZE} negative mentions:\n  p50 ${f(pct(latencies, 50))}  p99 ${f(pct(latencies, 99))}  max ${f(Math.max(...latencies))}  (target p99 < 2000 ms)\n`,
  );
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
