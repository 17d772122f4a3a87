import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('earshot classify', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'earshot-classify-'));
  const input = path.join(dir, 'in.jsonl');
  writeFileSync(
    input,
    [
      JSON.stringify({ id: 'a', text: 'I love it, best purchase ever!', lang: 'en' }),
      JSON.stringify({ id: 'b', text: '太差了，再也不买了' }),
      'not json',
      JSON.stringify({ id: 'c', text: '' }),
      JSON.stringify({ id: 'd', text: 'The meeting is on Tuesday.' }),
      '',
    ].join('\n'),
  );

  it('prints only JSON lines on stdout, one per valid input line, in order', () => {
    const r = spawnSync(process.execPath, ['bin/earshot.js', 'classify', '--input', input], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, LOG_LEVEL: 'debug' },
    });
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    const rows = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((x) => x.id)).toEqual(['a', 'b', 'c', 'd']);
    for (const x of rows) {
      expect(Object.keys(x).sort()).toEqual(['confidence', 'id', 'label', 'lang', 'score']);
      expect(Math.abs(x.score as number)).toBeLessThanOrEqual(1);
    }
    expect(rows[0]).toMatchObject({ label: 'positive', lang: 'en' });
    expect(rows[1]).toMatchObject({ label: 'negative', lang: 'zh' });
    expect(rows[2]).toMatchObject({ label: 'neutral' });
    expect(r.stderr).toContain('not a JSON object');
  });

  it('writes to --output', () => {
    const output = path.join(dir, 'out.jsonl');
    const r = spawnSync(
      process.execPath,
      ['bin/earshot.js', 'classify', '--input', input, '--output', output],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(output, 'utf8').trim().split('\n')).toHaveLength(4);
  });
});
