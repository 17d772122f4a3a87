import { SourceFault } from '../../src/errors.ts';
import type { MentionInput } from '../../src/mention.ts';
import { assertNotBlocked } from './html.ts';
import { assertCompleteHtml } from './page-checks.ts';

/**
 * Google Play reviews as positional arrays, from two places with the same payload shape:
 * an `AF_initDataCallback({key: 'ds:N', ... data: ...})` block of the app page and the
 * `UsvDTd` RPC answer of `/_/PlayStoreUi/data/batchexecute`. Positions (2019–2024 pages):
 * `[0]` id, `[1][0]` author, `[2]` stars, `[4]` text, `[5]` `[epochSeconds, nanos]`,
 * `[6]` thumbs-up, `[7]` developer reply (`[1]` text, `[2]` time), `[10]` app version; the list is
 * followed by `[null, "<continuation token>"]`. The `ds:N` key changes between page versions,
 * so the block is found by content.
 */

export interface PlayReview {
  /** Epoch milliseconds as a decimal string (the newest-first key). */
  key: string;
  date: Date;
  mention: MentionInput;
}

const isTime = (v: unknown): v is [number, number?] =>
  Array.isArray(v) && typeof v[0] === 'number' && v[0] > 946_684_800 && v[0] < 4_102_444_800;

/** Does this array look like one review row? */
function looksLikeReview(r: unknown): r is unknown[] {
  return (
    Array.isArray(r) &&
    typeof r[0] === 'string' &&
    r[0].length >= 8 &&
    typeof r[2] === 'number' &&
    r[2] >= 1 &&
    r[2] <= 5 &&
    isTime(r[5]) &&
    (typeof r[4] === 'string' || r[4] === null)
  );
}

/** A string that can be a continuation token: long, no spaces. */
const isToken = (v: unknown): v is string => typeof v === 'string' && v.length >= 16 && !/\s/.test(v);

/**
 * Find the review list inside any JSON payload, and the continuation token beside it. Returns
 * null when no array of review-shaped rows exists.
 */
export function findReviews(payload: unknown): { rows: unknown[][]; token: string | null } | null {
  let found: { rows: unknown[][]; token: string | null } | null = null;
  const visit = (node: unknown, depth: number) => {
    if (found || !Array.isArray(node) || depth > 6) return;
    for (let i = 0; i < node.length; i++) {
      const child = node[i];
      if (Array.isArray(child) && child.length > 0 && looksLikeReview(child[0])) {
        const rows = child.filter(looksLikeReview) as unknown[][];
        // Most rows must fit, or this is not the list we think it is.
        if (rows.length * 2 < child.length) continue;
        let token: string | null = null;
        for (const sib of node.slice(i + 1)) {
          if (Array.isArray(sib)) {
            const t = sib.findLast(isToken);
            if (t) {
              token = t;
              break;
            }
          }
        }
        found = { rows, token };
        return;
      }
    }
    for (const child of node) visit(child, depth + 1);
  };
  visit([payload], 0);
  return found;
}

const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v : null);
const at = (v: unknown, ...path: number[]): unknown => {
  let cur = v;
  for (const p of path) cur = Array.isArray(cur) ? cur[p] : undefined;
  return cur;
};

export function mapPlayReview(r: unknown[], appId: string): PlayReview {
  const id = r[0] as string;
  const [secs, nanos] = r[5] as [number, number?];
  const ms = secs * 1000 + Math.floor((nanos ?? 0) / 1e6);
  const thumbs = typeof r[6] === 'number' && r[6] >= 0 ? r[6] : null;
  const replyAt = at(r, 7, 2);
  return {
    key: String(ms),
    date: new Date(ms),
    mention: {
      platform: 'googleplay',
      externalId: id,
      url: `https://play.google.com/store/apps/details?id=${encodeURIComponent(appId)}&reviewId=${encodeURIComponent(id)}`,
      author: { handle: str(at(r, 1, 0)) ?? 'A Google user' },
      text: str(r[4]) ?? '',
      publishedAt: new Date(ms),
      metrics: { likes: thumbs },
      raw: {
        rating: r[2],
        appVersion: str(r[10]),
        avatar: str(at(r, 1, 1, 3, 2)),
        developerReply: str(at(r, 7, 1)),
        developerReplyAt: isTime(replyAt) ? new Date(replyAt[0] * 1000).toISOString() : null,
      },
    },
  };
}

/** The `data` value of every AF_initDataCallback block (`data:[...]` or `data:function(){return [...]}`). */
export function initDataBlocks(html: string): unknown[] {
  const out: unknown[] = [];
  const re = /AF_initDataCallback\(\s*\{([\s\S]*?)\}\s*\)\s*;?\s*<\/script>/g;
  for (const m of html.matchAll(re)) {
    const body = m[1]!;
    const start = /\bdata\s*:\s*(?:function\s*\(\s*\)\s*\{\s*return\s*)?/.exec(body);
    if (!start) continue;
    let json = body
      .slice(start.index + start[0].length)
      .trim()
      .replace(/,\s*sideChannel\s*:\s*\{\s*\}\s*$/, '');
    // The function form ends with the function's own `}` (and maybe a `;`).
    if (/return\s*$/.test(start[0])) json = json.replace(/;?\s*\}\s*$/, '');
    try {
      out.push(JSON.parse(json));
    } catch {
      // Not every block is JSON (older pages used JS literals); reviews blocks are.
    }
  }
  return out;
}

/** Reviews shown on the app page (`/store/apps/details?id=`), with the continuation token. */
export function parseAppPageReviews(
  html: string,
  appId: string,
): { reviews: PlayReview[]; token: string | null } {
  if (!html.trim()) throw new SourceFault('empty', 'Google Play answered an empty app page');
  assertCompleteHtml(html);
  const blocks = initDataBlocks(html);
  if (blocks.length === 0) {
    assertNotBlocked(html);
    throw new SourceFault('schema-changed', 'no AF_initDataCallback data on the Google Play app page');
  }
  for (const b of blocks) {
    const f = findReviews(b);
    if (f) return { reviews: f.rows.map((r) => mapPlayReview(r, appId)), token: f.token };
  }
  throw new SourceFault('schema-changed', 'no reviews block among the app page data blocks');
}

/**
 * The batchexecute answer: `)]}'`, then either one JSON array or length-prefixed chunks, holding
 * `["wrb.fr", "UsvDTd", "<payload as a JSON string>", ...]`.
 */
export function parseReviewsRpc(
  text: string,
  appId: string,
): { reviews: PlayReview[]; token: string | null } {
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  if (!trimmed) throw new SourceFault('empty', 'Google Play answered an empty RPC body');
  if (!trimmed.startsWith(")]}'")) {
    if (trimmed.startsWith('<')) {
      assertNotBlocked(trimmed);
      throw new SourceFault('schema-changed', 'expected a batchexecute answer, got an HTML page');
    }
    throw new SourceFault('parse-error', "the batchexecute answer lacks its )]}' prefix");
  }
  const rest = trimmed.slice(4);
  const envelopes: unknown[] = [];
  try {
    envelopes.push(JSON.parse(rest));
  } catch {
    for (const line of rest.split('\n')) {
      const l = line.trim();
      if (!l.startsWith('[')) continue;
      try {
        envelopes.push(JSON.parse(l));
      } catch {
        /* a length line or a partial chunk */
      }
    }
  }
  let wrb: unknown[] | undefined;
  for (const env of envelopes) {
    if (!Array.isArray(env)) continue;
    wrb = env.find((e): e is unknown[] => Array.isArray(e) && e[0] === 'wrb.fr' && e[1] === 'UsvDTd');
    if (wrb) break;
  }
  if (!wrb) throw new SourceFault('schema-changed', 'no UsvDTd answer in the batchexecute body');
  if (typeof wrb[2] !== 'string') throw new SourceFault('upstream', 'the UsvDTd call answered with an error');
  let payload: unknown;
  try {
    payload = JSON.parse(wrb[2]);
  } catch (cause) {
    throw new SourceFault('parse-error', 'the UsvDTd payload is not JSON', { cause });
  }
  // No more reviews: the payload is `[[], ...]` or `[null, ...]`.
  const f = findReviews(payload);
  if (!f) {
    const first = Array.isArray(payload) ? payload[0] : undefined;
    if (first === null || (Array.isArray(first) && first.length === 0) || payload === null)
      return { reviews: [], token: null };
    throw new SourceFault('schema-changed', 'the UsvDTd payload holds no review rows');
  }
  return { reviews: f.rows.map((r) => mapPlayReview(r, appId)), token: f.token };
}

/** Sort codes of the reviews RPC. */
export const PLAY_SORT = { relevant: 1, newest: 2, rating: 3 } as const;

/** The form body of a reviews RPC call. */
export function reviewsRpcBody(appId: string, sort: number, count: number, token: string | null): string {
  const inner = JSON.stringify([null, null, [2, sort, [count, null, token], null, []], [appId, 7]]);
  return `f.req=${encodeURIComponent(JSON.stringify([[['UsvDTd', inner, null, 'generic']]]))}`;
}
