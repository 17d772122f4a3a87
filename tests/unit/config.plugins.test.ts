import { describe, expect, it } from 'vitest';
import { channels } from '../../alerts/channels/index.ts';
import { classifiers } from '../../classifiers/index.ts';
import { collectors } from '../../collectors/index.ts';
import { parseConfig } from '../../src/config/load.ts';
import { didYouMean } from '../../src/config/plugins.ts';
import { ConfigError } from '../../src/errors.ts';

/** The issues of a file the registries refuse, as the CLI prints them. */
function issuesOf(lines: string[]): string[] {
  try {
    parseConfig(lines.join('\n'), 'earshot.yaml', { collectors, channels, classifiers, env: {} });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message.split('\n');
  }
  throw new Error('expected a ConfigError');
}

describe('plugin entries in the config: type, then options, then secrets', () => {
  it('names a mistyped option of a source at its line, with the option it most likely meant', () => {
    expect(
      issuesOf([
        'sources:',
        '  - name: feed',
        '    type: rss',
        '    options:',
        '      url: "https://e.com/f"',
        '      platfrom: news',
      ]),
    ).toEqual([
      'earshot.yaml:6:17 sources[0].options.platfrom: Unknown option "platfrom"; did you mean "platform"? One of: ' +
        Object.keys(
          (collectors.find((c) => c.id === 'rss')!.options as unknown as { shape: object }).shape,
        ).join(', '),
    ]);
  });

  it('refuses an option a channel does not take (it was dropped without a word)', () => {
    const msgs = issuesOf([
      'alerts:',
      '  channels:',
      '    - name: pr',
      '      type: slack',
      '      options:',
      '        url: "https://hooks.slack.com/services/T/B/X"',
      '        timeoutMS: 5000',
    ]);
    expect(msgs).toEqual([
      'earshot.yaml:7:20 alerts.channels[0].options.timeoutMS: Unknown option "timeoutMS"; did you mean "timeoutMs"? One of: url, timeoutMs',
    ]);
  });

  it('suggests a near type and a near secret, and lists the others', () => {
    const msgs = issuesOf([
      'sources:',
      '  - name: r',
      '    type: redit',
      'alerts:',
      '  channels:',
      '    - name: hook',
      '      type: webhook',
      '      options: { url: "https://hooks.example/x" }',
      '      secrets: { secrett: "s3cret" }',
    ]);
    expect(msgs[0]).toMatch(
      /^earshot\.yaml:3:11 sources\[0\]\.type: Unknown source type "redit"; did you mean "reddit"\? One of: rss, /,
    );
    expect(msgs).toContain(
      'earshot.yaml:9:27 alerts.channels[0].secrets.secrett: Unknown secret "secrett"; did you mean "secret"? One of: secret',
    );
  });
});

describe('didYouMean', () => {
  it('picks the one near name, and nothing for a far or ambiguous one', () => {
    expect(didYouMean('sentimnet', ['sentiment', 'spam', 'topics'])).toBe('sentiment');
    expect(didYouMean('spma', ['sentiment', 'spam', 'topics'])).toBe('spam');
    expect(didYouMean('Slakc', ['slack', 'teams'])).toBe('slack');
    expect(didYouMean('pigeon', ['slack', 'teams', 'email'])).toBeUndefined();
    expect(didYouMean('ab', ['ac', 'ad'])).toBeUndefined();
  });
});

describe('classifiers in the config', () => {
  const ids = classifiers.map((c) => c.id).join(', ');
  it('refuses an unknown id to switch off, at its line, with the one it most likely meant', () => {
    expect(issuesOf(['classifiers:', '  disabled: [spam, sentimnet]'])).toEqual([
      `earshot.yaml:2:20 classifiers.disabled[1]: Unknown classifier "sentimnet"; did you mean "sentiment"? One of: ${ids}`,
    ]);
  });
  it('refuses options for an unknown classifier and options a classifier does not take', () => {
    expect(
      issuesOf([
        'classifiers:',
        '  options:',
        '    spma: { promoTerms: [] }',
        '    sentiment:',
        '      bogus: 1',
        '    llm: { enabled: true, dailyTokenBudget: -5 }',
      ]),
    ).toEqual([
      `earshot.yaml:3:11 classifiers.options.spma: Unknown classifier "spma"; did you mean "spam"? One of: ${ids}`,
      'earshot.yaml:5:14 classifiers.options.sentiment.bogus: Unknown option "bogus"; one of: rulesOnly',
      expect.stringMatching(/^earshot\.yaml:6:45 classifiers\.options\.llm\.dailyTokenBudget: Too small/),
    ]);
  });
  it('keeps valid options as written (the classifier applies its defaults when it is built)', () => {
    const c = parseConfig(
      'classifiers:\n  disabled: [spam]\n  options:\n    llm: { enabled: true, dailyTokenBudget: 1000 }\n',
      'earshot.yaml',
      { collectors, channels, classifiers, env: {} },
    );
    expect(c.classifiers).toEqual({
      disabled: ['spam'],
      options: { llm: { enabled: true, dailyTokenBudget: 1000 } },
    });
  });
});
