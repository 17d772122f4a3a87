import { describe, expect, it } from 'vitest';
import { canonicalHandle } from '../../src/profiles/handles.ts';
import { createScrubber } from '../../src/profiles/scrub.ts';

const s = createScrubber({
  platform: 'x',
  caseless: true,
  handles: ['Alice_W', 'alice_w'],
  names: ['Alice Wonder'],
  externalIds: ['1790000000000000001', '42'],
  urls: ['https://x.com/Alice_W/status/1790000000000000001'],
});

describe('erasure scrubber', () => {
  it('removes @mentions of the handle in any case, and only whole handles', () => {
    expect(s.text('Negative post by @Alice_W')).toBe('Negative post by @[erased]');
    expect(s.text('@ALICE_W said so. @alice_w.')).toBe('@[erased] said so. @[erased].');
    expect(s.text('@alice_w2 and @alice_wonder are other people')).toBe(
      '@alice_w2 and @alice_wonder are other people',
    );
    expect(s.text('mail bob@alice_w.com or @alice_w.example')).toBe(
      'mail bob@alice_w.com or @alice_w.example',
    );
    // A bare word equal to the handle is not a reference to the account in free text.
    expect(s.text('alice_w is a word here')).toBe('alice_w is a word here');
  });

  it('removes their long ids and URLs inside text; short ids only as whole values', () => {
    expect(s.text('see https://x.com/Alice_W/status/1790000000000000001 now')).toBe('see [erased] now');
    expect(s.text('order 42 arrived')).toBe('order 42 arrived');
    expect(s.json({ id: '42' }).value).toEqual({ id: '[erased]' });
  });

  it('rewrites objects about the author and author-named keys, and leaves brand and topic names alone', () => {
    const payload = {
      brandName: 'Alice Wonder',
      topic: 'alice_w',
      mentions: [
        {
          authorHandle: 'ALICE_W',
          authorName: 'Alice Wonder',
          text: 'acme is awful',
          url: 'https://x',
          platform: 'x',
        },
        { authorHandle: 'bob', authorName: 'Bob', text: 'reply to @alice_w', platform: 'x' },
        { authorHandle: 'alice_w', text: 'same handle, other platform', platform: 'reddit' },
      ],
      raw: { in_reply_to_screen_name: 'Alice_W', user: { name: 'Alice Wonder' }, parent_author: 'alice_w' },
      byHandle: { alice_w: 3, bob: 1 },
    };
    const r = s.json(payload);
    expect(r.changed).toBe(true);
    expect(r.value).toEqual({
      brandName: 'Alice Wonder',
      topic: 'alice_w',
      mentions: [
        {
          authorHandle: '[erased]',
          authorName: '[erased]',
          text: '[erased]',
          url: '[erased]',
          platform: 'x',
        },
        { authorHandle: 'bob', authorName: 'Bob', text: 'reply to @[erased]', platform: 'x' },
        { authorHandle: '[erased]', text: 'same handle, other platform', platform: 'reddit' },
      ],
      raw: { in_reply_to_screen_name: '[erased]', user: { name: '[erased]' }, parent_author: '[erased]' },
      byHandle: { '[erased]': 3, bob: 1 },
    });
    expect(s.json({ unrelated: ['x', 1, null] })).toEqual({
      value: { unrelated: ['x', 1, null] },
      changed: false,
    });
  });

  it('matches case exactly on case-sensitive platforms', () => {
    const hn = createScrubber({
      platform: 'hackernews',
      caseless: false,
      handles: ['Alice'],
      names: [],
      externalIds: [],
      urls: [],
    });
    expect(hn.text('@Alice and @alice')).toBe('@[erased] and @alice');
    expect(canonicalHandle('hackernews', 'Alice')).toBe('Alice');
    expect(canonicalHandle('reddit', 'Alice')).toBe('alice');
  });
});
