import { z } from 'zod';

/**
 * The canonical mention: the one shape every source produces and `/v1/ingest` accepts.
 * Plugins may import this module (it is pure data), as they import `src/errors.ts`.
 *
 * @example
 * const m: MentionInput = {
 *   platform: 'reddit', externalId: 't3_abc', url: 'https://reddit.com/r/x/comments/abc',
 *   author: { handle: 'alice', followers: 120 }, text: 'Acme support was great',
 *   publishedAt: '2026-01-01T10:00:00Z', metrics: { likes: 4, replies: 1 },
 * };
 */
const count = z.number().int().nonnegative().finite();

/** A NUL byte or an unpaired UTF-16 surrogate: PostgreSQL stores neither in text or jsonb. */
export const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');
/** Identifiers must be stored as given: one that cannot be is refused, naming the field. */
const storable = (s: string) => !UNSTORABLE.test(s);
const UNSTORABLE_MESSAGE = 'contains a NUL byte or an unpaired surrogate, which cannot be stored';
const id = (max: number) => z.string().max(max).refine(storable, UNSTORABLE_MESSAGE);
/** Content is cleaned instead: NULs dropped, unpaired surrogates replaced (U+FFFD). */
const cleanText = (s: string) => s.replace(UNSTORABLE_ALL, (c) => (c === '\u0000' ? '' : '\ufffd'));

/**
 * A collector's raw payload made storable as jsonb: strings and keys cleaned, and subtrees
 * deeper than 32 levels dropped (the payload is kept for debugging, not read by the pipeline).
 */
function storableJson(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return cleanText(v);
  if (!v || typeof v !== 'object') return typeof v === 'number' && !Number.isFinite(v) ? null : v;
  if (depth >= 32) return null;
  if (Array.isArray(v)) return v.map((x) => storableJson(x, depth + 1));
  if (v instanceof Date) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[cleanText(k)] = storableJson(x, depth + 1);
  return out;
}

const dateInput = z.union([z.string(), z.number(), z.date()]).transform((v, ctx) => {
  const d = v instanceof Date ? v : new Date(typeof v === 'number' && v < 1e11 ? v * 1000 : v);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'Invalid date' });
    return z.NEVER;
  }
  return d;
});

export const authorSchema = z.object({
  handle: id(512).trim().min(1),
  name: z.string().max(1024).transform(cleanText).nullish(),
  followers: count.nullish(),
  verified: z.boolean().nullish(),
  url: id(4096).nullish(),
  /** Posts the account has published on the platform (all topics), when the platform says. */
  postsCount: count.nullish(),
  /** When the account was created, when the platform says. */
  createdAt: dateInput.nullish(),
});

export const metricsSchema = z.object({
  likes: count.nullish(),
  shares: count.nullish(),
  replies: count.nullish(),
  views: count.nullish(),
});

export const mentionInputSchema = z.object({
  platform: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" or "-"'),
  externalId: z
    .union([z.string(), z.number().int()])
    .transform((v) => String(v))
    .pipe(id(512).min(1)),
  url: id(4096).nullish(),
  author: authorSchema,
  text: z.string().max(200_000).transform(cleanText),
  title: z.string().max(4096).transform(cleanText).nullish(),
  lang: id(16).nullish(),
  publishedAt: dateInput,
  collectedAt: dateInput.optional(),
  metrics: metricsSchema.nullish(),
  parentId: z
    .union([z.string(), z.number().int()])
    .transform((v) => String(v))
    .pipe(id(512))
    .nullish(),
  threadId: z
    .union([z.string(), z.number().int()])
    .transform((v) => String(v))
    .pipe(id(512))
    .nullish(),
  raw: z
    .unknown()
    .transform((v) => storableJson(v))
    .optional(),
});

/** The shapes an item is made of, by where they sit: where a misplaced field belongs. */
const SHAPES: [prefix: string, shape: Record<string, unknown>][] = [
  ['', mentionInputSchema.shape],
  ['author.', authorSchema.shape],
  ['metrics.', metricsSchema.shape],
];

/**
 * Fields of a raw item that the canonical shape does not have (they are dropped on validation),
 * with a message; a field that exists elsewhere in the shape says where it belongs, so an API
 * client learns that `likes` goes under `metrics`.
 *
 * @example
 * unknownFields({ platform: 'x', likes: 3, author: { handle: 'a', bio: '' } })
 * // [{ field: 'likes', message: 'unknown field, ignored: it belongs under metrics (metrics.likes)' },
 * //  { field: 'author.bio', message: 'unknown field, ignored' }]
 */
export function unknownFields(item: unknown): { field: string; message: string }[] {
  if (!item || typeof item !== 'object' || Array.isArray(item)) return [];
  const out: { field: string; message: string }[] = [];
  for (const [prefix, known] of SHAPES) {
    const obj = prefix ? (item as Record<string, unknown>)[prefix.slice(0, -1)] : item;
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) continue;
    for (const k of Object.keys(obj)) {
      if (Object.hasOwn(known, k)) continue;
      const home = SHAPES.find(([p, shape]) => p !== prefix && Object.hasOwn(shape, k))?.[0];
      const where = home ? `under ${home.slice(0, -1)}` : 'at the top level of the item';
      out.push({
        field: `${prefix}${k}`,
        message:
          home === undefined
            ? 'unknown field, ignored'
            : `unknown field, ignored: it belongs ${where} (${home}${k})`,
      });
    }
  }
  return out;
}

/** How far ahead of the receiving clock a `publishedAt` may be (clock skew) before it is clamped. */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

/**
 * A publication time in the future is a clock or time-zone error at the source: it is stored
 * as the time it was received, so it cannot sort above every real post for months.
 */
export function clampPublishedAt(publishedAt: Date, now: Date): Date {
  return publishedAt.getTime() > now.getTime() + FUTURE_TOLERANCE_MS ? now : publishedAt;
}

/** The warnings for an item that will be stored with changes: ignored fields and a clamped time. */
export function itemWarnings(item: unknown, now: Date): { field: string; message: string }[] {
  const out = unknownFields(item);
  const raw = (item as { publishedAt?: unknown } | null)?.publishedAt;
  const parsed = dateInput.safeParse(raw);
  if (parsed.success && clampPublishedAt(parsed.data, now) !== parsed.data) {
    out.push({
      field: 'publishedAt',
      message: `in the future (${parsed.data.toISOString()}, more than ${FUTURE_TOLERANCE_MS / 60_000} minutes ahead of the server clock); stored as the time it was received (${now.toISOString()})`,
    });
  }
  return out;
}

/** What a source or a client hands in (dates may be strings). */
export type MentionInput = z.input<typeof mentionInputSchema>;
/** A validated mention, before normalisation. */
export type Mention = z.output<typeof mentionInputSchema>;
export type MentionAuthor = z.output<typeof authorSchema>;
export type MentionMetrics = z.output<typeof metricsSchema>;

/** A mention after normalisation: plain text, NFC, trimmed; what the pipeline stores. */
export interface NormalizedMention extends Omit<Mention, 'collectedAt'> {
  collectedAt: Date;
  text: string;
  title: string | null;
}
