import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../db/client.ts';
import { startEarshot, tempInstall, withInstallDb } from '../helpers/earshot-process.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = path.join(root, 'bin/earshot.js');

function run(args: string[], env: NodeJS.ProcessEnv, killWhen?: (stderr: string) => boolean) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => {
      const p = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, cwd: root });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => {
        stdout += d;
      });
      p.stderr.on('data', (d) => {
        stderr += d;
        if (killWhen?.(stderr)) p.kill('SIGKILL');
      });
      p.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
    },
  );
}

/**
 * Kill the process (SIGKILL) while it ingests a large file, start again, ingest the same file
 * again: every mention is stored exactly once and the batch bookkeeping adds up.
 */
describe('crash safety', () => {
  it('survives SIGKILL mid-ingest with no loss and no duplicate', { timeout: 240_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'earshot-crash-'));
    const file = path.join(dir, 'batch.ndjson');
    const N = 12_000;
    const lines: string[] = [];
    for (let i = 0; i < N; i++) {
      lines.push(
        JSON.stringify({
          platform: 'test',
          externalId: `crash-${i}`,
          author: { handle: `a${i % 300}` },
          text: `Acme mention ${i} with some words about kettles ${i % 17}`,
          publishedAt: new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString(),
        }),
      );
    }
    writeFileSync(file, `${lines.join('\n')}\n`);
    const env = {
      EARSHOT_DATA_DIR: dir,
      EARSHOT_CONFIG: path.join(root, 'tests/fixtures/crash.yaml'),
      LOG_LEVEL: 'debug',
    };
    // Kill after the second committed batch is logged.
    const first = await run(
      ['ingest', '--input', file],
      env,
      (s) => (s.match(/batch committed/g) ?? []).length >= 2,
    );
    expect(first.signal).toBe('SIGKILL');
    const second = await run(['ingest', '--input', file], env);
    expect(second.code).toBe(0);
    const summary = JSON.parse(second.stdout.trim().split('\n').at(-1)!);
    expect(summary.resumedAfter).toBeGreaterThan(0);
    const third = await run(['ingest', '--input', file], env);
    expect(JSON.parse(third.stdout.trim().split('\n').at(-1)!)).toMatchObject({ stored: 0 });

    const h = await openDb({ dataDir: path.join(dir, 'pglite') });
    try {
      const [{ n }] = (await h.query<{ n: number }>('select count(*)::int as n from mentions')) as [
        { n: number },
      ];
      const [{ d }] = (await h.query<{ d: number }>(
        'select count(distinct external_id)::int as d from mentions',
      )) as [{ d: number }];
      const [{ s }] = (await h.query<{ s: number }>(
        'select coalesce(sum(stored),0)::int as s from ingest_batches',
      )) as [{ s: number }];
      const [cur] = await h.query<{ value: { line: number } }>(
        "select value from cursors where key like 'file:%'",
      );
      expect(n).toBe(N);
      expect(d).toBe(N);
      expect(s).toBe(N);
      expect(cur!.value.line).toBe(N);
    } finally {
      await h.close();
    }
  });
});

/**
 * kill -9 right after `POST /v1/ingest` answered 200: the alerts of that batch are raised by
 * the next start (from the marks committed with it), each exactly once.
 */
describe('alerts across a crash', () => {
  it('a batch acknowledged just before SIGKILL raises its alerts after the restart, once', {
    timeout: 180_000,
  }, async () => {
    const install = tempInstall();
    await install.seeded();
    const texts = [
      'is terrible, the worst purchase of my life',
      'support was awful and rude, never again',
      'broke after a day, horrible quality',
      'refund refused, I hate this company',
      'leaked all over my kitchen, disgusting',
    ];
    const items = Array.from({ length: 10 }, (_, i) => ({
      platform: 'test',
      externalId: `crash-alert-${i}`,
      author: { handle: `celebrity${i}`, followers: 3_000_000, verified: true },
      text: `Acme ${texts[i % texts.length]} (${['kettle', 'toaster'][i % 2]} ${i})`,
      publishedAt: new Date(Date.now() - (i + 1) * 60_000).toISOString(),
    }));
    const first = await startEarshot(install.env);
    const res = await fetch(`${first.url}/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${first.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(items),
    });
    expect(res.status).toBe(200);
    await first.kill();

    const second = await startEarshot(install.env);
    try {
      const deadline = Date.now() + 30_000;
      let n = 0;
      while (Date.now() < deadline) {
        const r = await fetch(`${second.url}/v1/incidents`, {
          headers: { authorization: `Bearer ${first.adminKey}` },
        });
        n = ((await r.json()) as { data: unknown[] }).data.length;
        if (n >= 10) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(n).toBe(10);
    } finally {
      await second.stop();
    }
    const rows = await withInstallDb(install.dir, async (q) => ({
      incidents: await q<{ rule: string }>('select rule from incidents'),
      marks: await q('select id from alert_marks'),
    }));
    expect(rows.incidents).toHaveLength(10);
    expect(new Set(rows.incidents.map((i) => i.rule))).toEqual(new Set(['influential-negative']));
    expect(rows.marks).toEqual([]);
  });
});
