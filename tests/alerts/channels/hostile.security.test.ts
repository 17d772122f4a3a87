import { describe, expect, it } from 'vitest';
import { renderEmail } from '../../../alerts/channels/_lib/email.tsx';
import { renderText } from '../../../alerts/channels/_lib/render.ts';
import { dingtalkPayload } from '../../../alerts/channels/dingtalk.ts';
import { feishuPayload } from '../../../alerts/channels/feishu.ts';
import { pagerdutyEvent } from '../../../alerts/channels/pagerduty.ts';
import { renderSlack } from '../../../alerts/channels/slack.ts';
import { renderTeams } from '../../../alerts/channels/teams.ts';
import { wecomPayload } from '../../../alerts/channels/wecom.ts';
import type { AlertMessage } from '../../../alerts/types.ts';
import { makeIncident, makeMention, makeMessage } from './factories.ts';

/** U+202E RIGHT-TO-LEFT OVERRIDE: "‮troppuS emcA" displays as "Acme Support", and reverses what follows. */
const RLO = '\u202e';
/** Explicit bidi embeddings, overrides, isolates and marks. */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

const hostile = (): AlertMessage =>
  makeMessage({
    incident: makeIncident({
      brandName: `Acme ${RLO}emca`,
      mentions: [
        makeMention({
          authorName: `${RLO}troppuS emcA *official* @here`,
          authorHandle: 'angry_user',
          text: `hi *bold* _it_ ~s~ \`code\` **b** ~~x~~ @here <!here> <script>x</script> "q" & ${RLO}gnp.exe \u2066iso\u2069 \u200fmark`,
        }),
      ],
    }),
  });

/** Every string of a JSON payload (what the provider renders). */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.values(v).flatMap(strings);
  return [];
}

/** What each channel hands its provider, as the strings a person will see rendered. */
const RENDERED: Record<string, (m: AlertMessage) => string[]> = {
  slack: (m) => strings(renderSlack(m)),
  teams: (m) => strings(renderTeams(m)),
  feishu: (m) => strings(feishuPayload(m)),
  dingtalk: (m) => strings(dingtalkPayload(m)),
  wecom: (m) => strings(wecomPayload(m)),
  pagerduty: (m) => strings(pagerdutyEvent(m, 'key', 'earshot')),
  email: (m) => {
    const e = renderEmail(m);
    return [e.subject, e.text, e.html];
  },
  text: (m) => [renderText(m)],
};

describe('hostile post text and author names, in every channel', () => {
  it.each(Object.keys(RENDERED))(
    '%s: no bidi control survives, so a name cannot reverse what follows it',
    (id) => {
      const out = RENDERED[id]!(hostile()).join('\n');
      expect(out).not.toMatch(BIDI);
      // The characters themselves stay (only their override goes).
      expect(out).toContain('troppuS emcA');
    },
  );

  it.each(Object.keys(RENDERED))('%s: mass mentions never ping', (id) => {
    const out = RENDERED[id]!(hostile()).join('\n');
    expect(out).not.toMatch(/@(here|all|channel)\b/);
    // `<!here>` is Slack's own syntax (checked below); elsewhere it is plain characters.
    if (id === 'slack') expect(out).not.toMatch(/<!(here|channel|everyone)/);
  });

  it('email: markup and quotes are HTML-escaped in text and attributes', () => {
    const { html } = renderEmail(hostile());
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;x&lt;/script&gt; &quot;q&quot; &amp;');
  });

  it('slack: post text cannot bold, italicise, strike or code-format (mrkdwn has no escape)', () => {
    const mrkdwn = strings(renderSlack(hostile())).filter((s) => s.includes('hi '));
    expect(mrkdwn.length).toBeGreaterThan(0);
    for (const s of mrkdwn) {
      const quoted = s.slice(s.indexOf('hi '));
      expect(quoted).not.toMatch(/[*~`]/);
      expect(quoted).not.toMatch(/(^|[^\p{L}\p{N}])_|_($|[^\p{L}\p{N}])/u);
      expect(quoted).toContain('bold');
      expect(quoted).toContain('&lt;script&gt;');
    }
    // Our own bold around the author stays balanced: the name's stars are not mrkdwn.
    const who = strings(renderSlack(hostile())).find((s) => s.includes('(@angry_user)'))!;
    expect(who.match(/\*/g)).toHaveLength(2);
    expect(who).toContain('angry_user');
  });

  it.each(['dingtalk', 'wecom'])('%s: post text cannot format in the weak markdown either', (id) => {
    const md = RENDERED[id]!(hostile()).join('\n');
    const quoted = md.split('\n').filter((l) => l.includes('hi '));
    expect(quoted.length).toBeGreaterThan(0);
    for (const l of quoted) {
      const post = l.slice(l.indexOf('hi '));
      expect(post).not.toMatch(/[*~`<>]/);
      expect(post).not.toMatch(/(^|[^\p{L}\p{N}])_|_($|[^\p{L}\p{N}])/u);
      expect(post).toContain('bold');
    }
    const who = md.split('\n').find((l) => l.includes('(@angry_user)'))!;
    expect(who.match(/\*/g)).toHaveLength(4);
  });

  it('teams: post text is backslash-escaped CommonMark', () => {
    const text = strings(renderTeams(hostile())).find((s) => s.includes('hi '))!;
    expect(text).toContain('\\*bold\\*');
    expect(text).toContain('\\<script\\>');
  });
});
