import * as cheerio from 'cheerio';
import { SourceFault } from '../../src/errors.ts';
import type { MentionInput } from '../../src/mention.ts';
import { htmlToText } from '../../src/text.ts';
import { assertNotBlocked, resolveUrl, shortHash } from './html.ts';
import { assertCompleteHtml } from './page-checks.ts';

export interface TrustpilotReview {
  key: string;
  date: Date | null;
  mention: MentionInput;
}

export interface TrustpilotPage {
  reviews: TrustpilotReview[];
  /** Whether the page links a following page. */
  hasNext: boolean;
  /** Which representation the reviews came from. */
  source: 'json-ld' | 'next-data' | 'cards' | 'none';
}

interface Draft {
  id: string | null;
  author: string | null;
  authorUrl: string | null;
  title: string | null;
  text: string;
  rating: number | null;
  date: string | null;
  lang: string | null;
  likes: number | null;
  reply: string | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : null);
const numOf = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : null;
};
const typeIs = (node: Record<string, unknown>, t: string) =>
  node['@type'] === t || (Array.isArray(node['@type']) && node['@type'].includes(t));

/** Review id from a schema.org `@id` (`.../schema/Review/<domain>/<id>`) or a `/reviews/<id>` URL. */
function idFrom(...candidates: unknown[]): string | null {
  for (const c of candidates) {
    const s = str(c);
    if (!s) continue;
    const m = /\/reviews\/([A-Za-z0-9]+)/.exec(s) ?? /\/Review\/[^/]+\/([A-Za-z0-9]+)$/.exec(s);
    if (m) return m[1]!;
  }
  return null;
}

function fromJsonLd($: cheerio.CheerioAPI): Draft[] | null {
  const scripts = $('script[type="application/ld+json"]');
  if (scripts.length === 0) return null;
  const out: Draft[] = [];
  const seen = new Set<unknown>();
  const visit = (node: unknown, depth: number) => {
    if (!node || typeof node !== 'object' || depth > 6 || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      for (const n of node) visit(n, depth + 1);
      return;
    }
    const o = node as Record<string, unknown>;
    if (typeIs(o, 'Review')) {
      // schema.org allows the author as a Person node or as plain text.
      const first: unknown = Array.isArray(o.author) ? o.author[0] : o.author;
      const author = (typeof first === 'string' ? { name: first } : first) as
        | Record<string, unknown>
        | null
        | undefined;
      const rating = o.reviewRating as Record<string, unknown> | undefined;
      const body = str(o.reviewBody) ?? str(o.description) ?? '';
      out.push({
        id: idFrom(o['@id'], o.url),
        author: str(author?.name),
        authorUrl: str(author?.url),
        title: str(o.headline) ?? str(o.name),
        text: htmlToText(body),
        rating: numOf(rating?.ratingValue),
        date: str(o.datePublished),
        lang: str(o.inLanguage),
        likes: null,
        reply: null,
      });
      return;
    }
    for (const v of Object.values(o)) if (v && typeof v === 'object') visit(v, depth + 1);
  };
  scripts.each((_, el) => {
    try {
      visit(JSON.parse($(el).text()), 0);
    } catch {
      /* one broken block does not spoil the others */
    }
  });
  // The same review can be reached twice (a node and an inline copy): keep the first.
  const ids = new Set<string>();
  const unique = out.filter((d) => !d.id || (!ids.has(d.id) && ids.add(d.id)));
  return unique.length ? unique : null;
}

function fromNextData($: cheerio.CheerioAPI): { drafts: Draft[]; hasNext: boolean | null } | null {
  const script = $('script#__NEXT_DATA__').first();
  if (script.length === 0) return null;
  let data: unknown;
  try {
    data = JSON.parse(script.text());
  } catch (cause) {
    throw new SourceFault('parse-error', 'Trustpilot __NEXT_DATA__ is not JSON', { cause });
  }
  const pageProps = (data as { props?: { pageProps?: Record<string, unknown> } })?.props?.pageProps;
  const reviews = pageProps?.reviews;
  if (!Array.isArray(reviews)) return null;
  const drafts = reviews
    .filter((r): r is Record<string, unknown> => Boolean(r) && typeof r === 'object')
    .map((r) => {
      const consumer = r.consumer as Record<string, unknown> | undefined;
      const dates = r.dates as Record<string, unknown> | undefined;
      const reply = r.reply as Record<string, unknown> | null | undefined;
      return {
        id: str(r.id),
        author: str(consumer?.displayName),
        authorUrl: str(consumer?.id) ? `https://www.trustpilot.com/users/${str(consumer?.id)}` : null,
        title: str(r.title),
        text: htmlToText(str(r.text) ?? ''),
        rating: numOf(r.rating),
        date: str(dates?.publishedDate) ?? str(r.createdAt),
        lang: str(r.language),
        likes: numOf(r.likes),
        reply: str(reply?.message),
      };
    });
  const pagination = (pageProps?.filters as { pagination?: { currentPage?: number; totalPages?: number } })
    ?.pagination;
  const hasNext =
    pagination?.currentPage !== undefined && pagination.totalPages !== undefined
      ? pagination.currentPage < pagination.totalPages
      : null;
  return { drafts, hasNext };
}

function fromCards($: cheerio.CheerioAPI): Draft[] | null {
  const cards = $('[data-reviewmid], article[data-service-review-card-paper], article.review');
  if (cards.length === 0) return null;
  const out: Draft[] = [];
  cards.each((_, el) => {
    const c = $(el);
    const authorLink = c
      .find('.user-review-name-link, [data-consumer-profile-link], a[href^="/users/"]')
      .first();
    const starClass = /count-(\d)/.exec(c.find('.star-rating').attr('class') ?? '')?.[1];
    const ratingAttr = c.find('[data-service-review-rating]').attr('data-service-review-rating');
    const titleEl = c.find('.review-title, [data-service-review-title-typography], h2').first();
    const bodyEl = c.find('.review-body, [data-service-review-text-typography], p').first();
    const likesText = c.find('.useful-counter-js').first().text().trim();
    out.push({
      id:
        c.attr('data-reviewmid') ??
        idFrom(
          titleEl.find('a').attr('href'),
          titleEl.closest('a').attr('href'),
          c.find('a[href*="/reviews/"]').attr('href'),
        ),
      author: str(c.find('[data-consumer-name-typography]').first().text()) ?? str(authorLink.text()),
      authorUrl: str(authorLink.attr('href')),
      title: str(titleEl.text()),
      text: htmlToText(bodyEl.html() ?? ''),
      rating: numOf(ratingAttr ?? starClass),
      date: str(c.find('time[datetime]').first().attr('datetime')),
      lang: /\breview-title\s+([a-z]{2})\b/.exec(titleEl.attr('class') ?? '')?.[1] ?? null,
      likes: likesText ? numOf(likesText) : null,
      reply: null,
    });
  });
  return out;
}

/**
 * One Trustpilot review page: JSON-LD first, `__NEXT_DATA__` second, card markup last (the 2016
 * cards, and the `data-service-review-*` cards of later pages). A page with none of the three is
 * a changed schema (or a captcha), never "no reviews".
 *
 * @example
 * parseTrustpilotPage(html, 'https://www.trustpilot.com/review/example.com?page=2', new Date())
 */
export function parseTrustpilotPage(html: string, pageUrl: string, collectedAt: Date): TrustpilotPage {
  if (!html.trim()) throw new SourceFault('empty', 'Trustpilot answered an empty body');
  assertCompleteHtml(html);
  const $ = cheerio.load(html);
  const next = fromNextData($);
  let drafts = fromJsonLd($);
  let source: TrustpilotPage['source'] = 'json-ld';
  if (drafts && next) {
    // JSON-LD carries no likes or consumer ids; take them from the page data when ids agree.
    const byId = new Map(next.drafts.map((d) => [d.id, d]));
    drafts = drafts.map((d) => {
      const n = d.id ? byId.get(d.id) : undefined;
      return n ? { ...d, likes: n.likes, authorUrl: d.authorUrl ?? n.authorUrl, reply: n.reply } : d;
    });
  }
  if (!drafts && next) {
    drafts = next.drafts;
    source = 'next-data';
  }
  if (!drafts) {
    drafts = fromCards($);
    source = 'cards';
  }
  if (!drafts) {
    assertNotBlocked(html);
    throw new SourceFault('schema-changed', 'no JSON-LD reviews, __NEXT_DATA__ or review cards on the page');
  }
  const reviews: TrustpilotReview[] = [];
  for (const d of drafts) {
    const parsed = d.date ? new Date(d.date) : null;
    const date = parsed && !Number.isNaN(parsed.getTime()) ? parsed : null;
    if (!d.text && !d.title) continue;
    const id = d.id ?? shortHash(d.author, d.date, d.text);
    reviews.push({
      key: (date ?? collectedAt).toISOString(),
      date,
      mention: {
        platform: 'trustpilot',
        externalId: id,
        url: d.id ? `https://www.trustpilot.com/reviews/${d.id}` : pageUrl,
        author: {
          handle: d.author ?? 'anonymous',
          url: resolveUrl(d.authorUrl, 'https://www.trustpilot.com/'),
        },
        title: d.title,
        text: d.text,
        lang: d.lang,
        publishedAt: date ?? collectedAt,
        metrics: { likes: d.likes !== null && d.likes >= 0 ? Math.round(d.likes) : null },
        raw: { rating: d.rating, source, companyReply: d.reply },
      },
    });
  }
  if (drafts.length > 0 && reviews.length === 0)
    throw new SourceFault('schema-changed', 'Trustpilot reviews have neither title nor text');
  const linkNext =
    $(
      'link[rel="next"], a[rel="next"], a[name="pagination-button-next"]:not([aria-disabled="true"]), a.next-page, [data-pagination-button-next-link]',
    ).length > 0;
  return { reviews, hasNext: next?.hasNext ?? linkNext, source };
}
