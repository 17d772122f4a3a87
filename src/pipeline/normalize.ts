import type { ZodError } from 'zod';
import { formatPath } from '../config/load.ts';
import { clampPublishedAt, mentionInputSchema, type NormalizedMention } from '../mention.ts';
import { htmlToText } from '../text.ts';

export interface Rejected {
  index: number;
  /** The first problem of the item… */
  field: string;
  message: string;
  /** …and all of them, one per field, when there are several. */
  issues?: { field: string; message: string }[];
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
      const issues = itemIssues(r.error, item);
      rejected.push({ index, ...issues[0]!, ...(issues.length > 1 ? { issues } : {}) });
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
        publishedAt: clampPublishedAt(m.publishedAt, now),
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

/**
 * Every problem of an invalid item, one per field, in words a client can act on ("required"
 * rather than "expected string, received undefined").
 */
export function itemIssues(error: ZodError, item: unknown): { field: string; message: string }[] {
  const seen = new Set<string>();
  const out: { field: string; message: string }[] = [];
  for (const issue of error.issues) {
    const field = formatPath(issue.path) || '(item)';
    if (seen.has(field)) continue;
    seen.add(field);
    let v: unknown = item;
    for (const seg of issue.path)
      v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[seg] : undefined;
    const missing = v === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_union');
    out.push({ field, message: missing ? 'required' : issue.message });
  }
  return out;
}
