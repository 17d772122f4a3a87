import { formatPath } from '../config/load.ts';
import { mentionInputSchema, type NormalizedMention } from '../mention.ts';
import { htmlToText } from '../text.ts';

export interface Rejected {
  index: number;
  field: string;
  message: string;
}

export interface Normalized {
  index: number;
  mention: NormalizedMention;
}

const SAFE_URL = /^https?:\/\//i;

/**
 * Validate and normalise a batch: HTML stripped, Unicode NFC, whitespace collapsed, ids as
 * strings, dates parsed, URLs restricted to http(s). One bad item is a value, not an exception.
 *
 * @example
 * const { good, rejected } = normalizeBatch(items, new Date());
 */
export function normalizeBatch(
  items: readonly unknown[],
  now: Date,
): { good: Normalized[]; rejected: Rejected[] } {
  const good: Normalized[] = [];
  const rejected: Rejected[] = [];
  items.forEach((item, index) => {
    const r = mentionInputSchema.safeParse(item);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      rejected.push({ index, field: formatPath(issue.path) || '(item)', message: issue.message });
      return;
    }
    const m = r.data;
    for (const [field, value] of [
      ['url', m.url],
      ['author.url', m.author.url],
    ] as const) {
      if (value && !SAFE_URL.test(value)) {
        rejected.push({ index, field, message: 'must be an http(s) URL' });
        return;
      }
    }
    const text = htmlToText(m.text);
    const title = m.title ? htmlToText(m.title) || null : null;
    if (!text && !title) {
      rejected.push({ index, field: 'text', message: 'text and title are both empty after removing markup' });
      return;
    }
    good.push({
      index,
      mention: {
        ...m,
        url: m.url || null,
        text,
        title,
        lang: m.lang ? m.lang.toLowerCase() : null,
        author: {
          ...m.author,
          handle: m.author.handle.normalize('NFC'),
          name: m.author.name ? htmlToText(m.author.name) : null,
        },
        collectedAt: m.collectedAt ?? now,
      },
    });
  });
  return { good, rejected };
}
