import { SourceFault } from '../../src/errors.ts';
import type { MentionInput } from '../../src/mention.ts';

/**
 * Apple's customer-reviews RSS in its JSON rendering. Every value is wrapped as `{label}` and
 * every number is a string; a single entry may come as an object instead of an array; the first
 * entry of some captures is the app itself (no `im:rating`); dates may be missing.
 */
type Labelled = { label?: unknown; attributes?: Record<string, unknown> } | undefined;

const label = (v: unknown): string | null => {
  // Some renderings give `content` as [{text}, {html}]: take the text one.
  if (Array.isArray(v)) return label(v.find((x) => (x as Labelled)?.attributes?.type === 'text') ?? v[0]);
  const l = (v as Labelled)?.label;
  return typeof l === 'string' && l.trim() !== '' ? l : null;
};
const int = (v: unknown): number | null => {
  const s = label(v);
  const n = s === null ? Number.NaN : Number(s);
  return Number.isSafeInteger(n) ? n : null;
};

export interface AppStoreReview {
  key: string;
  date: Date | null;
  mention: MentionInput;
}

export interface AppStorePage {
  reviews: AppStoreReview[];
  /** The following page number from `feed.link[rel=next]`, or null at the end. */
  nextPage: number | null;
}

const pageOf = (href: unknown) => {
  const m = typeof href === 'string' ? /\/page=(\d+)\//.exec(href) : null;
  return m ? Number(m[1]) : null;
};

/**
 * Parse one page. `collectedAt` stands in for a missing date; the page cursor keeps the order.
 *
 * @example
 * parseAppStoreReviews(res.json(), { appId: '474495017', country: 'nl', page: 1, collectedAt })
 */
export function parseAppStoreReviews(
  body: unknown,
  at: { appId: string; country: string; page: number; collectedAt: Date },
): AppStorePage {
  const feed = (body as { feed?: Record<string, unknown> } | null)?.feed;
  if (!feed || typeof feed !== 'object')
    throw new SourceFault('schema-changed', 'App Store reviews answer has no feed object');
  const rawEntries = feed.entry === undefined ? [] : Array.isArray(feed.entry) ? feed.entry : [feed.entry];
  const reviews: AppStoreReview[] = [];
  let malformed = 0;
  for (const e of rawEntries as Record<string, unknown>[]) {
    if (!e || typeof e !== 'object') {
      malformed++;
      continue;
    }
    if (e['im:rating'] === undefined) continue; // the app's own entry in older captures
    const id = label(e.id);
    const rating = int(e['im:rating']);
    const content = label(e.content);
    if (!id || rating === null || content === null) {
      malformed++;
      continue;
    }
    const author = e.author as { name?: unknown; uri?: unknown } | undefined;
    const updated = label(e.updated);
    const date = updated && !Number.isNaN(Date.parse(updated)) ? new Date(updated) : null;
    const voteSum = int(e['im:voteSum']);
    const voteCount = int(e['im:voteCount']);
    reviews.push({
      key: id,
      date,
      mention: {
        platform: 'appstore',
        externalId: id,
        url: `https://apps.apple.com/${at.country}/app/id${at.appId}?see-all=reviews`,
        author: { handle: label(author?.name) ?? 'anonymous', url: label(author?.uri) },
        title: label(e.title),
        text: content,
        publishedAt: date ?? at.collectedAt,
        // Helpful votes: voteSum of voteCount readers found the review useful.
        metrics: { likes: voteSum !== null && voteSum >= 0 ? voteSum : null },
        raw: {
          rating,
          version: label(e['im:version']),
          voteSum,
          voteCount,
          country: at.country,
          appId: at.appId,
          dated: date !== null,
        },
      },
    });
  }
  if (rawEntries.length > 0 && reviews.length === 0 && malformed > 0)
    throw new SourceFault('schema-changed', 'no App Store entry has an id, a rating and content');
  const links = (Array.isArray(feed.link) ? feed.link : [feed.link]).filter(
    (l): l is { attributes?: { rel?: unknown; href?: unknown } } => typeof l === 'object' && l !== null,
  );
  const next = pageOf(links.find((l) => l.attributes?.rel === 'next')?.attributes?.href);
  const last = pageOf(links.find((l) => l.attributes?.rel === 'last')?.attributes?.href);
  const nextPage =
    reviews.length > 0 && next !== null && next > at.page && (last === null || next <= last) ? next : null;
  return { reviews, nextPage };
}
