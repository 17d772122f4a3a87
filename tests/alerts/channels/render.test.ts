import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderEmail } from '../../../alerts/channels/_lib/email.tsx';
import {
  escapeMarkdown,
  escapeSlack,
  escapeWeakMarkdown,
  neutralize,
  safeUrl,
} from '../../../alerts/channels/_lib/escape.ts';
import {
  alertView,
  byteLength,
  renderMarkdown,
  renderText,
  truncateBytes,
  truncateChars,
} from '../../../alerts/channels/_lib/render.ts';
import { ALERT_LEVELS } from '../../../alerts/types.ts';
import { HOSTILE_TEXT, makeHugeMessage, makeIncident, makeMention, makeMessage } from './factories.ts';

const hasLoneSurrogate = (s: string) =>
  /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

describe('levels', () => {
  it('names levels 1..4 in English and Chinese', () => {
    expect(Object.values(ALERT_LEVELS).map((l) => [l.name, l.zhColor, l.zh])).toEqual([
      ['critical', '红', '红色预警'],
      ['high', '橙', '橙色预警'],
      ['medium', '黄', '黄色预警'],
      ['low', '蓝', '蓝色预警'],
    ]);
  });
});

describe('headline', () => {
  it('is bilingual for zh and bilingual locales', () => {
    expect(alertView(makeMessage({ locale: 'bilingual' })).headline).toBe(
      '🔴 红色预警 / Critical — Acme: negative spike',
    );
    expect(alertView(makeMessage({ locale: 'zh' })).headline).toBe(
      '🔴 红色预警 / Critical — Acme: negative spike',
    );
  });
  it('is English only for en', () => {
    expect(alertView(makeMessage({ locale: 'en' })).headline).toBe('🔴 Critical — Acme: negative spike');
  });
  it('names the kind for follow-ups', () => {
    const m = makeMessage({ kind: 'reminder', locale: 'en', incident: makeIncident({ level: 2 }) });
    expect(alertView(m).headline).toBe('🟠 High · Reminder — Acme: negative spike');
    const r = makeMessage({ kind: 'resolved', incident: makeIncident({ status: 'resolved' }) });
    expect(alertView(r).headline).toBe('✅ 红色预警 / Critical · 已解除 / Resolved — Acme: negative spike');
  });
  it('renders digests, collector-down and test messages', () => {
    const digest = makeMessage({
      kind: 'digest',
      incident: undefined,
      digest: {
        period: { from: '2026-02-28T00:00:00Z', to: '2026-03-01T00:00:00Z', label: 'daily' },
        brandName: 'Acme',
        totals: { mentions: 1200, negative: 300, incidents: 2 },
        topIncidents: [
          {
            id: 'inc_1',
            title: 'negative spike',
            level: 2,
            status: 'acknowledged',
            openedAt: '2026-02-28T10:00:00Z',
          },
        ],
        topMentions: [],
      },
    });
    const t = renderText(digest);
    expect(t).toContain('📊 舆情摘要 / Digest — Acme (daily)');
    expect(t).toContain('🟠 橙色预警 / High — negative spike');
    const down = makeMessage({
      kind: 'collector-down',
      incident: undefined,
      locale: 'en',
      collector: {
        sourceName: 'weibo-acme',
        sourceType: 'weibo',
        fault: 'login-wall',
        since: '2026-03-01T06:00:00Z',
      },
    });
    expect(alertView(down).headline).toBe('⚠️ Collector down — weibo-acme');
    expect(alertView(makeMessage({ kind: 'test', incident: undefined, locale: 'en' })).headline).toBe(
      '🧪 Test message — Earshot',
    );
  });
});

describe('reasons and mentions', () => {
  it('lists the factors and top mentions in plain text', () => {
    const t = renderText(makeMessage({ locale: 'en' }));
    expect(t).toContain('Why this level:');
    expect(t).toContain('• negative share: 0.62 (×3.1) — 62% negative vs 12% baseline');
    expect(t).toContain('Top mentions:');
    expect(t).toContain(
      'Angry <b>User</b> (@angry_user) — weibo · 2026-03-01 07:55 UTC · negative · reach 12000',
    );
    expect(t).toContain('Acknowledge: https://earshot.example/ack/inc_test1?sig=abc');
  });
  it('drops the ack link once acknowledged and links only http(s)', () => {
    const v = alertView(
      makeMessage({
        incident: makeIncident({ status: 'acknowledged', dashboardUrl: 'javascript:alert(1)' }),
      }),
    );
    expect(v.links).toEqual([]);
  });
});

describe('escaping untrusted text', () => {
  it('neutralizes links and mass mentions', () => {
    expect(neutralize('@all see https://evil.example/x and www.evil.example')).toBe(
      '@\u2060all see hxxps://evil[.]example/x and www[.]evil[.]example',
    );
    expect(neutralize('@所有人 @channel @here')).not.toMatch(/@(所有人|channel|here)/);
  });
  it('escapes HTML (the email is built with hono/jsx: text and attributes)', () => {
    const text = `<script>"x"&'y'</script>`;
    const html = renderEmail(
      makeMessage({ incident: makeIncident({ mentions: [makeMention({ text })] }) }),
    ).html;
    expect(html).toContain('&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/script&gt;');
  });
  it('escapes Slack mrkdwn so nothing pings or links', () => {
    const s = escapeSlack(HOSTILE_TEXT);
    expect(s).not.toMatch(/<[!@#]|<https?:|@all/);
    expect(s).toContain('&lt;!channel&gt;');
  });
  it('escapes CommonMark so links and images do not render', () => {
    const s = escapeMarkdown('[click](javascript:x) ![i](http://e/p.png) **b** # h');
    expect(s).toBe('\\[click\\]\\(javascript:x\\) \\!\\[i\\]\\(hxxp://e/p\\[.\\]png\\) \\*\\*b\\*\\* \\# h');
  });
  it('breaks weak-markdown syntax with zero-width spaces and full-width brackets', () => {
    const s = escapeWeakMarkdown(
      '[click](javascript:x) **b** <font color="warning">x</font> <@user>\n# title',
    );
    expect(s).not.toMatch(/\]\(|\*\*|<|^#/m);
    // `**` with a zero-width space between still left `*b*` (italic): the stars are look-alikes now.
    expect(s.replace(/\u200b/g, '')).toBe(
      '[click](javascript:x) ∗∗b∗∗ ＜font color="warning"＞x＜/font＞ ＜@user＞\n# title',
    );
  });
  it('accepts only http(s) URLs as links', () => {
    expect(safeUrl('javascript:alert(1)')).toBeUndefined();
    expect(safeUrl('data:text/html,x')).toBeUndefined();
    expect(safeUrl('not a url')).toBeUndefined();
    expect(safeUrl('https://ok.example/a b')).toBe('https://ok.example/a%20b');
  });
  it('keeps post text out of markdown structure in every flavour', () => {
    for (const flavor of ['commonmark', 'weak'] as const) {
      const md = renderMarkdown(makeMessage(), flavor, 20_000);
      expect(md).not.toContain('](javascript');
      expect(md).not.toContain('https://evil.example');
      expect(md).not.toContain('<script>');
      expect(md).toContain('(https://social.example/p/1)');
    }
  });
  it('HTML-escapes post text and author names in email', () => {
    const e = renderEmail(makeMessage());
    expect(e.html).not.toContain('<script>');
    expect(e.html).not.toContain('<b>User</b>');
    expect(e.html).toContain('&lt;script&gt;');
    expect(e.html).not.toContain('href="javascript');
    expect(e.subject).toBe('[Earshot] 🔴 红色预警 / Critical — Acme: negative spike');
  });
});

describe('truncation', () => {
  it('cuts by UTF-8 bytes without splitting characters', () => {
    expect(truncateBytes('红色预警', 8)).toBe('红…');
    expect(truncateBytes('红色预警', 12)).toBe('红色预警');
    expect(truncateBytes('a😀b', 6)).toBe('a😀b');
    expect(truncateBytes('a😀b', 5)).toBe('a…');
    expect(truncateBytes('👨‍👩‍👧 family', 12)).toBe('…');
    expect(truncateChars('a😀b', 3)).toBe('a…');
  });
  it('never exceeds the limit nor leaves a lone surrogate (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        fc.integer({ min: 3, max: 300 }),
        (s, max) => {
          const t = truncateBytes(s, max);
          expect(byteLength(t)).toBeLessThanOrEqual(max);
          expect(hasLoneSurrogate(t)).toBe(false);
          if (t !== s) expect(s.startsWith(t.slice(0, -1))).toBe(true);
        },
      ),
    );
  });
  it('fits a huge message by shedding mentions first', () => {
    const t = renderText(makeHugeMessage(), 4096);
    expect(byteLength(t)).toBeLessThanOrEqual(4096);
    expect(t.startsWith('🔴 红色预警 / Critical — Acme: negative spike')).toBe(true);
  });
});
