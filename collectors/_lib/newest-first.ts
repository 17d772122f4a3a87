/**
 * Resume state for a listing read newest first, page by page (app reviews, review sites,
 * keyword search): everything at or below `since` was read by an earlier, finished run;
 * `next` is where an unfinished run stopped; `top` is the newest key that run saw.
 *
 * Why this is crash-safe: while a run is in progress the committed cursor keeps the old
 * `since` and points at the next page, so a resumed run finishes the same pass and only then
 * raises `since` to `top`. Items posted meanwhile land on page 1 above `top`, so the next run
 * reaches them. New items push older ones down the list, so a resumed page overlaps the last
 * one read (a refresh, never a gap).
 */
export interface NewestFirstCursor<P = unknown> {
  since: string | null;
  next: P | null;
  top: string | null;
}

export interface NewestFirstPage<P, M> {
  /**
   * Items in listing order, each with its ordering key (an id or an ISO date). `mention` is
   * null for an item that keeps its place in the order but is no mention (a deleted comment).
   */
  items: { key: string; date: Date | null; mention: M | null; pinned?: boolean }[];
  /** Where the following page is, or null at the end of the listing. */
  next: P | null;
}

/** Compare keys: numeric ids as integers (any length), anything else as strings (ISO dates). */
export function compareKeys(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x === y ? 0 : x < y ? -1 : 1;
  }
  return a === b ? 0 : a < b ? -1 : 1;
}

const maxKey = (a: string | null, b: string | null) =>
  a === null ? b : b === null ? a : compareKeys(a, b) >= 0 ? a : b;

/**
 * Drive a newest-first listing: yields each page with a cursor that is safe to commit with it.
 * Stops at the end of the listing (or at a next position equal to the current one), at the
 * first page reaching `since` (or, on a first run, reaching `backfillSince`), or after
 * `maxPages`. The first page is read on every run, which re-polls the newest items and refreshes
 * their metrics.
 *
 * @example
 * yield* newestFirst(ctx.cursor, ctx.backfillSince, ctx.maxPages, 1, (page) => fetchPage(page));
 */
export async function* newestFirst<P, M>(
  cursor: NewestFirstCursor<P> | null,
  backfillSince: Date,
  maxPages: number,
  first: P,
  fetchPage: (position: P) => Promise<NewestFirstPage<P, M>>,
): AsyncGenerator<{ mentions: M[]; cursor: NewestFirstCursor<P> }> {
  const since = cursor?.since ?? null;
  let top = cursor?.next != null ? (cursor.top ?? null) : null;
  let position: P = cursor?.next ?? first;
  for (let n = 0; n < maxPages; n++) {
    const page = await fetchPage(position);
    for (const it of page.items) top = maxKey(top, it.key);
    // Pinned or "hot" entries sit above the time order; they never end a pass.
    const reachedOld = page.items.some((it) =>
      it.pinned
        ? false
        : since !== null
          ? compareKeys(it.key, since) <= 0
          : it.date !== null && it.date.getTime() < backfillSince.getTime(),
    );
    // A next position equal to the one just read would re-read this page until maxPages.
    const looped = page.next !== null && JSON.stringify(page.next) === JSON.stringify(position);
    const done = page.next === null || looped || reachedOld || page.items.length === 0;
    const mentions = page.items
      .filter((it) => since !== null || it.date === null || it.date.getTime() >= backfillSince.getTime())
      .flatMap((it) => (it.mention === null ? [] : [it.mention]));
    if (done) {
      yield { mentions, cursor: { since: maxKey(since, top), next: null, top: null } };
      return;
    }
    position = page.next as P;
    yield { mentions, cursor: { since, next: position, top } };
  }
}
