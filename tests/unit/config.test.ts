import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCollector } from '../../collectors/types.ts';
import { parseConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';

const rss = defineCollector({
  id: 'rss',
  description: 'feeds',
  options: z.object({ url: z.url() }),
  secrets: ['token'],
  defaultSchedule: '*/10 * * * *',
  async *collect() {},
});

const parse = (text: string, env: Record<string, string> = {}) =>
  parseConfig(text, 'earshot.yaml', {
    collectors: [rss],
    env,
    validateQuery: (q) =>
      q.includes('((')
        ? { ok: false, message: 'unbalanced parenthesis at position 1 (near "(")', position: 1, token: '(' }
        : { ok: true },
  });

function issuesOf(text: string, env: Record<string, string> = {}): string[] {
  try {
    parse(text, env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message.split('\n');
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('parses a valid file with defaults and the collector default schedule', () => {
    const c = parse(
      `brands:\n  - name: Acme\n    query: acme\nsources:\n  - name: n\n    type: rss\n    options: { url: "https://e.com/f.xml" }\n`,
    );
    expect(c.sources[0]).toMatchObject({
      name: 'n',
      schedule: '*/10 * * * *',
      enabled: true,
      options: { url: 'https://e.com/f.xml' },
    });
    expect(c.server.port).toBe(8787);
    expect(Object.isFrozen(c.brands[0])).toBe(true);
  });

  it('names file:line:col and the path of a bad option', () => {
    const text = `brands: []\nsources:\n  - name: n\n    type: rss\n    options:\n      url: not-a-url\n`;
    expect(issuesOf(text)).toEqual([
      expect.stringMatching(/^earshot\.yaml:6:12 sources\[0\]\.options\.url: /),
    ]);
  });

  it('locates a missing required field at its parent', () => {
    expect(issuesOf(`brands:\n  - name: Acme\n`)).toEqual([
      expect.stringMatching(/^earshot\.yaml:2:5 brands\[0\]\.query: /),
    ]);
  });

  it('rejects unknown keys, unknown source types, bad cron and bad queries, each at its line', () => {
    const msgs = issuesOf(
      [
        'brandz: []',
        'brands:',
        '  - name: A',
        '    query: "((a"',
        'sources:',
        '  - name: s',
        '    type: nope',
        '  - name: t',
        '    type: rss',
        '    schedule: "every minute"',
        '    options: { url: "https://e.com" }',
      ].join('\n'),
    );
    expect(msgs.some((m) => /^earshot\.yaml:1:1 .*brandz/.test(m))).toBe(true);
    expect(msgs.some((m) => m.startsWith('earshot.yaml:4:12 brands[0].query: unbalanced'))).toBe(true);
    expect(
      msgs.some((m) => m.startsWith('earshot.yaml:7:11 sources[0].type: Unknown source type "nope"')),
    ).toBe(true);
    expect(msgs.some((m) => m.startsWith('earshot.yaml:10:15 sources[1].schedule: Invalid cron'))).toBe(true);
  });

  it('resolves $-brace ENV references and reports a missing one at its line, without its value', () => {
    const text = `sources:\n  - name: s\n    type: rss\n    options: { url: "https://e.com" }\n    secrets: { token: "\${FEED_TOKEN}" }\n`;
    expect(parse(text, { FEED_TOKEN: 'abc' }).sources[0]!.secrets).toEqual({ token: 'abc' });
    expect(issuesOf(text)).toEqual([
      'earshot.yaml:5:23 sources[0].secrets.token: environment variable FEED_TOKEN is not set',
    ]);
  });

  it('reports YAML syntax errors and duplicate names', () => {
    expect(issuesOf('brands: [\n')[0]).toMatch(/^earshot\.yaml:\d+:\d+ /);
    const dup = issuesOf(`brands:\n  - { name: A, query: a }\n  - { name: a, query: b }\n`);
    expect(dup[0]).toMatch(/^earshot\.yaml:3:\d+ brands\[1\]\.name: Duplicate brand name/);
  });
});
