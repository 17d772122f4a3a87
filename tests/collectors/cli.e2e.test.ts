import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFeed } from '../../collectors/rss.ts';
import { openDb } from '../../db/client.ts';
import { cursors, mentions, sourceHealth, sourceRuns } from '../../db/schema/index.ts';
import { mentionInputSchema } from '../../src/mention.ts';
import { type FixtureServer, fixture, startFixtureServer, startProxy } from '../helpers/fixture-server.ts';
import { seedPgliteDir } from '../helpers/pg.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = path.join(root, 'bin/earshot.js');
const feed = fixture('rss/rss-parser/guardian.rss');

function earshot(args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const p = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, HTTPS_PROXY: '', https_proxy: '', LOG_LEVEL: 'info', ...env },
      cwd: root,
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => {
      stdout += d;
    });
    p.stderr.on('data', (d) => {
      stderr += d;
    });
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

let srv: FixtureServer;
let dir: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  srv = await startFixtureServer();
  srv.route('GET', '/feed.xml', { headers: { 'content-type': 'application/rss+xml' }, body: feed });
  dir = mkdtempSync(path.join(tmpdir(), 'earshot-cli-'));
  const config = path.join(dir, 'earshot.yaml');
  writeFileSync(
    config,
    [
      'brands:',
      '  - name: Acme',
      '    query: acme',
      'sources:',
      '  - name: news',
      '    type: rss',
      `    options: { url: "${srv.url}/feed.xml" }`,
      '    allowPrivateNetwork: true',
      // The recorded feed is from 2016: reach back far enough to print all of it.
      '    backfillDays: 3650',
      '  - name: guarded',
      '    type: rss',
      `    options: { url: "${srv.url}/feed.xml" }`,
      '',
    ].join('\n'),
  );
  env = { EARSHOT_DATA_DIR: dir, EARSHOT_CONFIG: config };
  // A migrated database, as a first start would leave it (minus the seconds of initdb).
  await seedPgliteDir(path.join(dir, 'pglite'));
});
afterAll(() => srv.close());

describe('earshot collect --once --source NAME --dry-run', () => {
  it('prints every normalised mention as a JSON line in the canonical shape and stores nothing', {
    timeout: 120_000,
  }, async () => {
    const r = await earshot(['collect', '--once', '--source', 'news', '--dry-run'], env);
    expect(r.stderr).toContain('news: ok');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    const expected = parseFeed(feed.toString('utf8'), `${srv.url}/feed.xml`).items.map((i) => i.id);
    // stdout is JSON lines and nothing else (logs and progress go to stderr).
    expect(r.stdout).toMatch(/^\{.*\}\n$/s);
    const printed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(expected.length).toBeGreaterThan(10);
    expect(printed.map((m) => m.externalId)).toEqual(expected);
    for (const m of printed) {
      // What /v1/ingest accepts: a dry run's output can be replayed into Earshot as is.
      expect(mentionInputSchema.safeParse(m).success).toBe(true);
      expect(m).toMatchObject({ platform: 'rss', author: { handle: expect.any(String) } });
    }
    const h = await openDb({ dataDir: path.join(dir, 'pglite') });
    try {
      expect(await h.db.select().from(mentions)).toEqual([]);
      expect(await h.db.select().from(cursors)).toEqual([]);
      expect(await h.db.select().from(sourceRuns)).toEqual([]);
      expect(await h.db.select().from(sourceHealth)).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it('refuses a private address unless the source allows it, and says so on stderr', async () => {
    const r = await earshot(['collect', '--once', '--source', 'guarded', '--dry-run'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('guarded: FAULT blocked');
  });

  it('goes through HTTPS_PROXY when it is set', async () => {
    const proxy = await startProxy();
    try {
      const r = await earshot(['collect', '--once', '--source', 'news', '--dry-run'], {
        ...env,
        HTTPS_PROXY: proxy.url,
      });
      expect(r.code).toBe(0);
      expect(proxy.targets).toEqual([new URL(srv.url).host]);
    } finally {
      await proxy.close();
    }
  });
});

describe('earshot sources', () => {
  it('shows each source: ok with items per run and lag, blocked with its error kind', {
    timeout: 180_000,
  }, async () => {
    expect((await earshot(['collect', '--once', '--source', 'news'], env)).code).toBe(0);
    const bad = await earshot(['collect', '--once', '--source', 'guarded'], env);
    expect(bad.code).toBe(1);
    const json = await earshot(['sources', '--json'], env);
    expect(json.code).toBe(0);
    const views = JSON.parse(json.stdout) as Record<string, unknown>[];
    const items = parseFeed(feed.toString('utf8'), 'http://x/').items.length;
    expect(views.find((v) => v.name === 'news')).toMatchObject({
      state: 'ok',
      lastSuccessAt: expect.any(String),
      lastError: null,
      itemsLastRun: items,
      avgItemsPerRun: items,
      lagSeconds: expect.any(Number),
    });
    expect(views.find((v) => v.name === 'guarded')).toMatchObject({
      state: 'blocked',
      lastSuccessAt: null,
      lastError: { kind: 'blocked', message: expect.stringContaining('private') },
      consecutiveFailures: 1,
    });
    const table = (await earshot(['sources'], env)).stdout;
    expect(table).toMatch(/guarded\s.*rss\s.*blocked\s.*blocked: /);
    expect(table).toMatch(new RegExp(`news\\s.*rss\\s.*ok\\s.*\\s${items}\\s`));
  });
});

describe('earshot check-config', () => {
  it('counts in words ("1 brand"), warns about a plaintext secret at file:line:col, refuses a bad CIDR', {
    timeout: 60_000,
  }, async () => {
    const file = path.join(dir, 'check.yaml');
    writeFileSync(
      file,
      [
        'brands:',
        '  - name: Acme',
        '    query: acme',
        'sources:',
        '  - name: r',
        '    type: reddit',
        '    options: { query: acme }',
        '    secrets:',
        `      clientId: "\${CHECK_REDDIT_ID}"`,
        '      clientSecret: "plaintext-secret"',
        '',
      ].join('\n'),
    );
    const ok = await earshot(['check-config', '--config', file], { ...env, CHECK_REDDIT_ID: 'id' });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(`${file}: ok (1 brand, 1 source)\n`);
    expect(ok.stderr).toMatch(
      new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:10:21 warning: sources\\[0\\]\\.secrets\\.clientSecret: plaintext secret`,
        'm',
      ),
    );
    writeFileSync(file, 'network:\n  allowPrivate: ["127.0.0.1/99"]\n');
    const bad = await earshot(['check-config', '--config', file], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain(`${file}:2:18 network.allowPrivate[0]: invalid CIDR "127.0.0.1/99"`);
  });
});
