import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { eq } from 'drizzle-orm';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineClassifier } from '../../classifiers/types.ts';
import type { DbHandle } from '../../db/client.ts';
import { apiKeys, incidents } from '../../db/schema/index.ts';
import { createApp } from '../../src/api/app.ts';
import { FakeClock } from '../../src/clock.ts';
import { syncConfig } from '../../src/config/sync.ts';
import type { Deps } from '../../src/deps.ts';
import { hashApiKey } from '../../src/secrets.ts';
import { makeDeps, makeKey, makeMention } from '../helpers/harness.ts';
import { openTestDb } from '../helpers/pg.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const artifacts = path.join(root, 'tests/.artifacts');
const CHROMIUM = process.env.EARSHOT_CHROMIUM ?? '/usr/bin/chromium';

const fake = defineClassifier({
  id: 'fake-e2e-sentiment',
  version: '1',
  description: 'love → positive, awful → negative',
  options: z.object({}),
  produces: ['sentiment', 'brandSentiment', 'topics'],
  classify: (_ctx, inputs) =>
    inputs.map((i) => {
      const label = /awful/.test(i.text) ? 'negative' : /love/.test(i.text) ? 'positive' : 'neutral';
      const s = {
        label: label as 'positive',
        score: label === 'negative' ? -0.7 : label === 'positive' ? 0.7 : 0,
        confidence: 0.9,
      };
      return {
        sentiment: s,
        brandSentiment: Object.fromEntries((i.brands ?? []).map((b) => [b.id, s])),
        topics: [{ id: 'battery', score: 1 }],
      };
    }),
});

// What the browser would run if the page ever parsed post text as HTML.
const XSS_SCRIPT = '<script>alert("script")</script>';
const XSS_IMG = '<img src=x onerror=alert("img")>';

let h: DbHandle;
let deps: Deps;
let server: ReturnType<typeof serve>;
let url: string;
let browser: Browser;
let key: string;
let incidentsApi = false;

beforeAll(async () => {
  h = await openTestDb('pglite');
  deps = await makeDeps({
    handle: h,
    classifiers: [fake],
    clock: new FakeClock(new Date()),
    config: { brands: [{ name: 'Acme', query: '"acme"', competitors: ['Globex'] }] },
  });
  await syncConfig(deps);
  key = await makeKey(deps, 'editor');
  const now = Date.now();
  const at = (hours: number) => new Date(now - hours * 3_600_000).toISOString();
  // Ingest decodes entities, so these posts are stored with the literal markup as their text.
  const enc = (s: string) => s.replace(/</g, '&lt;').replace(/>/g, '&gt;');
  await deps.pipeline.processBatch(
    [
      ...Array.from({ length: 12 }, (_, i) =>
        makeMention({
          platform: i % 2 ? 'weibo' : 'reddit',
          text: `${i % 3 ? 'love' : 'awful'} acme seeded post ${i}`,
          publishedAt: at(i * 5 + 1),
          author: { handle: `seed${i % 4}`, name: `Seeder ${i % 4}`, followers: 20_000 * (i + 1) },
        }),
      ),
      makeMention({
        platform: 'weibo',
        text: `acme ${enc(XSS_SCRIPT)} ${enc(XSS_IMG)}`,
        publishedAt: at(0.5),
        author: { handle: 'attacker', name: enc(XSS_IMG) },
      }),
      makeMention({ text: 'globex love', publishedAt: at(2) }),
    ],
    { origin: 'test' },
  );
  const app = createApp(deps, { stream: { heartbeatMs: 15_000 } });
  incidentsApi =
    (await app.request('/v1/incidents', { headers: { authorization: `Bearer ${key}` } })).status === 200;
  if (incidentsApi) {
    const brandId = (await deps.db.query.brands.findFirst())!.id;
    await deps.db.insert(incidents).values({
      id: 'inc_e2e1',
      brandId,
      rule: 'volume-spike',
      groupKey: 'e2e',
      title: `Negative spike ${XSS_IMG}`,
      level: 2,
      status: 'open',
      openedAt: new Date(now - 600_000),
      lastActivityAt: new Date(now - 60_000),
    });
  }
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      url = `http://127.0.0.1:${info.port}`;
      resolve();
    });
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await h?.close();
});

describe('dashboard in headless Chromium', () => {
  it('loads without console errors, shows seeded data, renders hostile text literally, streams new mentions, acknowledges an incident', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    const errors: string[] = [];
    const dialogs: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const urls: string[] = [];
    page.on('request', (r) => urls.push(r.url()));

    await page.goto(url);
    await page.fill('#key', key);
    await page.click('#login-form button[type=submit]');

    // Seeded data: summary, chart, feed, KOLs, share of voice.
    await page.locator('#summary .card').first().waitFor();
    await page.locator('#feed li').nth(5).waitFor();
    await page.locator('#volume-chart svg').waitFor();
    expect(await page.locator('#volume-chart svg rect[height]:not([height="0"])').count()).toBeGreaterThan(3);
    await page.locator('#kols tr td').first().waitFor();
    await expect.poll(() => page.locator('#sov .bar').count()).toBe(2);
    // 12 seeded posts and the hostile one mention Acme; the Globex post does not.
    expect(await page.locator('#summary .card b').first().textContent()).toBe('13');
    expect(await page.locator('#kols').textContent()).toContain('Seeder');

    // Hostile text shows literally and runs nothing.
    const hostile = page.locator('#feed li[data-mention]', { hasText: XSS_SCRIPT });
    await hostile.waitFor();
    expect(await hostile.locator('.text').textContent()).toContain(`${XSS_SCRIPT} ${XSS_IMG}`);
    expect(await hostile.locator('.author').textContent()).toContain(XSS_IMG);
    expect(await page.locator('#feed script, #feed img, #incidents img').count()).toBe(0);

    // Live: a mention committed now arrives over SSE.
    await page.locator('#live.on').waitFor();
    await deps.pipeline.processBatch([makeMention({ text: 'love acme live from the stream' })], {
      origin: 'test',
    });
    await page.locator('#feed li', { hasText: 'live from the stream' }).waitFor();
    // The stream is opened with a short-lived token: the key never appears in a URL.
    expect(urls.some((u) => u.includes('/v1/stream?token='))).toBe(true);
    expect(urls.filter((u) => u.includes(key))).toEqual([]);

    if (!incidentsApi) {
      console.warn(
        'SKIPPED incident acknowledgement: the incidents API (GET /v1/incidents) is not registered on this build',
      );
    } else {
      const item = page.locator('#incidents li[data-incident="inc_e2e1"]');
      await item.waitFor();
      expect(await item.textContent()).toContain(XSS_IMG);
      await page.screenshot({ path: path.join(ensureArtifacts(), 'dashboard.png'), fullPage: true });
      await item.locator('button[data-action="ack"]').click();
      await item.waitFor({ state: 'detached' });
      await page.selectOption('#incident-status', 'acknowledged');
      await page.locator('#incidents li[data-incident="inc_e2e1"][data-status="acknowledged"]').waitFor();
      const [row] = await deps.db.select().from(incidents).where(eq(incidents.id, 'inc_e2e1'));
      expect(row!.status).toBe('acknowledged');
    }
    if (!incidentsApi)
      await page.screenshot({ path: path.join(ensureArtifacts(), 'dashboard.png'), fullPage: true });

    // Revoking the key (as another process would, in the database) ends the stream and signs out.
    await deps.db
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(eq(apiKeys.hash, hashApiKey(key)));
    (deps.clock as FakeClock).advance(15_000);
    await page.locator('#login:not([hidden])').waitFor();
    expect(await page.locator('#login-error').textContent()).toMatch(/revoked/);

    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);
});

function ensureArtifacts() {
  mkdirSync(artifacts, { recursive: true });
  return artifacts;
}
