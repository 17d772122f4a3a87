import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { earshot, startEarshot, tempInstall, withInstallDb } from '../helpers/earshot-process.ts';

/** Negative posts about Acme by verified authors with 3M followers: one influential-negative alert each. */
const negatives = [
  'Acme is terrible, the worst kettle I have ever bought. Avoid.',
  'Awful customer service from Acme today, never again.',
  'My Acme blender broke after two days, horrible quality, I hate it.',
].map((text, i) =>
  JSON.stringify({
    platform: 'test',
    externalId: `neg-${i}`,
    author: { handle: `star${i}`, followers: 3_000_000, verified: true },
    text,
    publishedAt: new Date(Date.now() - (i + 1) * 60_000).toISOString(),
  }),
);

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('mentions stored by the CLI raise alerts', { timeout: 120_000 }, () => {
  it('earshot ingest with no service: evaluated before the command exits', async () => {
    const install = tempInstall();
    await install.seeded();
    const file = install.file('neg.ndjson', `${negatives.join('\n')}\n`);
    const r = await earshot(['ingest', '--input', file], install.env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ stored: 3 });
    expect(r.stderr).toContain('alerts: 3 incident(s) opened or raised');
    const rows = await withInstallDb(install.dir, async (q) => ({
      incidents: await q<{ rule: string }>('select rule from incidents order by rule'),
      marks: await q('select id from alert_marks'),
    }));
    expect(rows.incidents.map((i) => i.rule)).toEqual(Array(3).fill('influential-negative'));
    expect(rows.marks).toEqual([]);
  });

  it('earshot ingest beside a running service: the service evaluates them', async () => {
    const install = tempInstall();
    await install.seeded();
    const svc = await startEarshot(install.env);
    try {
      const file = install.file('neg.ndjson', `${negatives.join('\n')}\n`);
      const r = await earshot(['ingest', '--input', file], install.env);
      expect(r.code).toBe(0);
      const key = svc.adminKey!;
      const deadline = Date.now() + 30_000;
      let rules: string[] = [];
      while (Date.now() < deadline) {
        const res = await fetch(`${svc.url}/v1/incidents`, { headers: { authorization: `Bearer ${key}` } });
        rules = ((await res.json()) as { data: { rule: string }[] }).data.map((i) => i.rule);
        if (rules.length >= 3) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      expect(rules).toEqual(Array(3).fill('influential-negative'));
    } finally {
      await svc.stop();
    }
  });

  it('collect --once: a blocked source opens its collector-down incident; a refused connection reads as refused; no log lines in the summary', async () => {
    const port = await closedPort();
    const install = tempInstall(
      [
        'brands:',
        '  - name: Acme',
        '    query: acme',
        'sources:',
        '  - name: guarded',
        '    type: rss',
        `    options: { url: "http://127.0.0.1:${port}/feed.xml" }`,
        '  - name: down',
        '    type: rss',
        `    options: { url: "http://127.0.0.1:${port}/feed.xml" }`,
        '    allowPrivateNetwork: true',
        '',
      ].join('\n'),
    );
    await install.seeded();
    const r = await earshot(['collect', '--once'], install.env);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines.some((l) => l.startsWith('down: FAULT network: ') && /refused/.test(l))).toBe(true);
    expect(r.stderr).not.toMatch(/\breset\b/);
    expect(lines.some((l) => l.startsWith('guarded: FAULT blocked'))).toBe(true);
    // Readable: summary lines only, no JSON log lines and no stack traces.
    expect(lines.filter((l) => l.startsWith('{') || /^\s+at /.test(l))).toEqual([]);
    const rules = await withInstallDb(install.dir, (q) =>
      q<{ rule: string; title: string }>('select rule, title from incidents'),
    );
    expect(rules).toEqual([{ rule: 'collector-down', title: 'Collector down: guarded' }]);
  });
});
