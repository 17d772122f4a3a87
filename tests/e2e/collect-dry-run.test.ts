import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { earshot, tempInstall, withInstallDb } from '../helpers/earshot-process.ts';
import { type FixtureServer, fixture, startFixtureServer } from '../helpers/fixture-server.ts';

let srv: FixtureServer;
beforeAll(async () => {
  srv = await startFixtureServer();
  srv.route('GET', '/feed.xml', {
    headers: { 'content-type': 'application/rss+xml' },
    body: fixture('rss/rss-parser/guardian.rss'),
  });
});
afterAll(() => srv.close());

describe('earshot collect --once --dry-run previews a query', () => {
  it('shows, beside each mention, the brands it matches and its sentiment; stdout stays JSON lines', {
    timeout: 120_000,
  }, async () => {
    const install = tempInstall(
      [
        'brands:',
        '  - name: Trumpwatch',
        '    query: trump',
        '  - name: Unionwatch',
        '    query: union',
        'sources:',
        '  - name: news',
        '    type: rss',
        `    options: { url: "${srv.url}/feed.xml" }`,
        '    allowPrivateNetwork: true',
        '    backfillDays: 3650',
        '',
      ].join('\n'),
    );
    await install.seeded();
    const r = await earshot(['collect', '--once', '--source', 'news', '--dry-run'], install.env);
    expect(r.code).toBe(0);
    const printed = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { title?: string; text: string });
    const lines = r.stderr.split('\n');
    const previews = lines.filter((l) => l.startsWith('  '));
    expect(previews).toHaveLength(printed.length);
    const sotu = previews.find((l) => l.includes('Trump State of the Union address'));
    // Both brands match that headline; its sentiment is shown as label and score.
    expect(sotu).toMatch(/^ {2}Trumpwatch, Unionwatch \| (positive|negative|neutral) -?\d\.\d\d \| rss\/@/);
    expect(previews.some((l) => l.startsWith('  (no brand) | '))).toBe(true);
    const summary = lines.find((l) => l.startsWith('news: ok'))!;
    expect(summary).toMatch(
      /dry run, nothing stored\); matched Trumpwatch \d+, Unionwatch \d+; \d+ unmatched$/,
    );
    expect(lines.filter((l) => l.startsWith('{'))).toEqual([]);
    const stored = await withInstallDb(install.dir, (q) => q('select id from mentions'));
    expect(stored).toEqual([]);
  });
});
