import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../db/client.ts';

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
