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

  it('reads crisis posts as negative with their crisis category, questions as neutral', () => {
    const crisisInput = path.join(dir, 'crisis.jsonl');
    writeFileSync(
      crisisInput,
      [
        {
          id: 'fire',
          text: 'My Acme X200 blender caught fire this morning. This is dangerous, recall it now!',
        },
        { id: 'boom', text: '艾克米搅拌机冒烟爆炸，差点伤到孩子，维权！' },
        {
          id: 'journalist',
          text: 'Readers report Acme X200 blenders catching fire mid-blend. Acme has not commented. Unsafe — unplug yours.',
        },
        { id: 'ask', text: '艾克米和Globex的智能插座哪个好？' },
        { id: 'drill', text: 'Fire drill at the Acme office at 10am, everyone out by 10:05' },
      ]
        .map((x) => JSON.stringify(x))
        .join('\n'),
    );
    const r = spawnSync(process.execPath, ['bin/earshot.js', 'classify', '--input', crisisInput], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    const rows = Object.fromEntries(
      r.stdout
        .split('\n')
        .filter(Boolean)
        .map(
          (l) => JSON.parse(l) as { id: string; label: string; crisis?: { score: number; category: string } },
        )
        .map((x) => [x.id, x]),
    );
    for (const id of ['fire', 'boom', 'journalist']) {
      expect(rows[id], id).toMatchObject({ label: 'negative', crisis: { category: 'safety' } });
      expect(rows[id]!.crisis!.score, id).toBeGreaterThanOrEqual(0.5);
    }
    expect(rows.ask).toMatchObject({ label: 'neutral' });
    expect(rows.ask!.crisis).toBeUndefined();
    expect(rows.drill!.label).not.toBe('negative');
    expect(rows.drill!.crisis).toBeUndefined();
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
