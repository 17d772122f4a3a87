import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const url = (p: string) => JSON.stringify(pathToFileURL(path.join(root, p)).href);

/**
 * tsx compiles with the tsconfig.json of the directory a process starts in; `earshot` may start
 * anywhere. The .tsx files carry their JSX pragmas so the HTML builders work from any directory.
 */
describe('HTML built with hono/jsx, in a process started outside the repository', () => {
  it('renders the alert email and the KOL report, escaped', () => {
    const script = `
      const { renderEmail } = await import(${url('alerts/channels/_lib/email.tsx')});
      const { kolReportHtml } = await import(${url('src/profiles/report-html.tsx')});
      const text = '<script>alert(1)</script> & "q"';
      const email = renderEmail({ kind: 'test', id: 'dlv_1', locale: 'en', createdAt: '2026-03-01T08:00:00Z',
        incident: undefined, collector: { sourceName: text, sourceType: 'rss', fault: 'blocked', since: '2026-03-01T08:00:00Z' } });
      const report = kolReportHtml({ brand: { id: 'b', name: text, locale: 'en' },
        period: { from: '2026-02-01T00:00:00Z', to: '2026-03-01T00:00:00Z', previousFrom: '2026-01-01T00:00:00Z' },
        kolTier: 'micro', totals: { mentions: 0, kolMentions: 0, kols: 0, authors: 0 }, topKols: [], newKols: [],
        risingKols: [], detractorKols: [], ugc: { mentions: 0, authors: 0, positive: 0, negative: 0, neutral: 0, net: null },
        competitors: [], daily: [], methodology: {} });
      console.log(JSON.stringify({ email: email.html, report }));`;
    const r = spawnSync(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], {
      cwd: mkdtempSync(path.join(tmpdir(), 'es-jsx-')),
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { email: string; report: string };
    for (const html of [out.email, out.report]) {
      expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;');
      expect(html).not.toContain('<script>');
    }
  });
});
