import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { channels } from '../../alerts/channels/index.ts';
import { classifiers } from '../../classifiers/index.ts';
import { defineCollector } from '../../collectors/types.ts';
import { formatConfigWarning, parseConfig } from '../../src/config/load.ts';
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
    channels,
    classifiers,
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

/** A collector with secrets, to check where plaintext values are flagged. */
const withSecrets = [
  rss,
  defineCollector({
    id: 'reddit',
    description: 'r',
    options: z.object({ query: z.string() }),
    secrets: ['clientId', 'clientSecret'],
    defaultSchedule: '*/10 * * * *',
    async *collect() {},
  }),
];

describe('config: mistakes users make, in words they understand', () => {
  it('refuses an invalid CIDR in network.allowPrivate at its line and column', () => {
    expect(issuesOf('network:\n  allowPrivate: ["10.0.0.0/8", "127.0.0.1/99"]\n')).toEqual([
      expect.stringMatching(
        /^earshot\.yaml:2:32 network\.allowPrivate\[1\]: invalid CIDR "127\.0\.0\.1\/99": an IPv4 prefix length is 0 to 32/,
      ),
    ]);
    for (const bad of ['10.0.0.0/33', '::1/129', '010.0.0.0/8', '10.1/8', 'localhost/8', '10.0.0.1'])
      expect(issuesOf(`network:\n  allowPrivate: ["${bad}"]\n`)[0], bad).toMatch(/invalid CIDR/);
    expect(issuesOf('network:\n  allowPrivate: ["10.0.0.1"]\n')[0]).toContain('10.0.0.1/32');
    const ok = parse(
      'network:\n  allowPrivate: ["127.0.0.0/8", "fd00::/8", "0.0.0.0/0", "192.168.1.7/32"]\n',
    );
    expect(ok.network.allowPrivate).toHaveLength(4);
  });

  it('warns, naming file:line:col, about a secret written in plain text, not about environment references', () => {
    const warnings: string[] = [];
    const text = [
      'sources:',
      '  - name: r',
      '    type: reddit',
      '    options: { query: acme }',
      '    secrets:',
      `      clientId: "\${REDDIT_ID}"`,
      '      clientSecret: "plaintext-secret"',
    ].join('\n');
    const c = parseConfig(text, 'earshot.yaml', {
      collectors: withSecrets,
      channels,
      classifiers,
      env: { REDDIT_ID: 'id' },
      onWarning: (w) => warnings.push(formatConfigWarning(w)),
    });
    expect(c.sources[0]!.secrets).toEqual({ clientId: 'id', clientSecret: 'plaintext-secret' });
    expect(warnings).toEqual([
      expect.stringMatching(
        /^earshot\.yaml:7:21 warning: sources\[0\]\.secrets\.clientSecret: plaintext secret .*"\$\{CLIENT_SECRET\}"/,
      ),
    ]);
    // The value itself is never repeated in the warning.
    expect(warnings[0]).not.toContain('plaintext-secret');
  });

  it('shows the refused cron expression', () => {
    const msgs = issuesOf(
      'sources:\n  - name: s\n    type: rss\n    schedule: "every 5 minutes"\n    options: { url: "https://e.com" }\n',
    );
    expect(msgs).toEqual([
      expect.stringMatching(
        /^earshot\.yaml:4:15 sources\[0\]\.schedule: Invalid cron expression "every 5 minutes": it has 3 fields/,
      ),
    ]);
    expect(
      issuesOf(
        'sources:\n  - name: s\n    type: rss\n    schedule: "61 * * * *"\n    options: { url: "https://e.com" }\n',
      )[0],
    ).toContain('"61 * * * *"');
  });

  it.each([
    [
      'a tab as indentation',
      'brands:\n\t- name: A\n\t  query: a\n',
      /^earshot\.yaml:2:1 tab in indentation: YAML indents with spaces only/,
    ],
    [
      'a key indented deeper than its siblings',
      'brands:\n  - name: Acme\n    query: acme\nsources:\n  - name: n\n    type: rss\n      options:\n        url: "https://e.com"\n',
      /^earshot\.yaml:7:7 bad indentation: this line is indented deeper than the line above it \("type: rss"\)/,
    ],
    [
      'a key indented less than its siblings',
      'server:\n  port: 1\n host: x\n',
      /^earshot\.yaml:3:2 bad indentation: this key does not line up with the keys above it/,
    ],
    [
      'an unclosed double quote (located at the quote, not at the end of the file)',
      'brands:\n  - name: "Acme\n    query: acme\nsources: []\n',
      /^earshot\.yaml:2:11 unclosed quote: the value opened with " here has no closing "/,
    ],
    [
      'an unclosed single quote',
      "brands:\n  - name: 'Acme\n    query: acme\n",
      /^earshot\.yaml:2:11 unclosed quote: the value opened with ' here/,
    ],
    [
      'an unclosed flow list',
      'brands:\n  - name: A\n    query: a\n    aliases: [x, y\nsources: []\n',
      /^earshot\.yaml:4:14 unclosed \[: .* must end with \]/,
    ],
    [
      'a duplicate key',
      'server:\n  port: 1\n  port: 2\n',
      /^earshot\.yaml:3:3 duplicate key "port" \(first at line 2\)/,
    ],
    [
      'a colon in an unquoted value',
      'brands:\n  - name: Acme: the company\n    query: a\n',
      /^earshot\.yaml:2:11 a colon followed by a space in an unquoted value .*quote it: - name: "Acme: the company"/,
    ],
    [
      'an unquoted cron expression (YAML reads * as an alias)',
      'sources:\n  - name: s\n    type: rss\n    schedule: */5 * * * *\n    options: { url: "https://e.com" }\n',
      /^earshot\.yaml:4:15 a value starting with \* must be quoted .*schedule: "\*\/5 \* \* \* \*"/,
    ],
    [
      'an alias to no anchor',
      'sources:\n  - name: s\n    type: rss\n    schedule: *often\n',
      /^earshot\.yaml:4:15 a value starting with \* must be quoted/,
    ],
    [
      'a value starting with @',
      'brands:\n  - name: @acme\n    query: a\n',
      /^earshot\.yaml:2:11 an unquoted value cannot start with @: quote it, e.g. - name: "@acme"/,
    ],
  ])('%s', (_what, text, expected) => {
    const msgs = issuesOf(text);
    expect(msgs[0]).toMatch(expected);
    // The library's own wording never reaches the user.
    for (const m of msgs) expect(m).not.toMatch(/compact mappings|Implicit keys|Map keys must be unique/);
  });

  it('explains an empty value left by an unquoted #hashtag (a YAML comment)', () => {
    expect(issuesOf('brands:\n  - name: A\n    query: #acme\n')[0]).toMatch(
      /^earshot\.yaml:3:12 brands\[0\]\.query: .*# starts a comment in YAML; quote a value that starts with #, e\.g\. "#acme"/,
    );
  });
});
