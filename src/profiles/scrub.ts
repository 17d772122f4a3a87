/** Everything that identifies an erased author, gathered from their stored posts and profile. */
export interface ErasureSubject {
  platform: string;
  /** Case-insensitive on this platform (src/profiles/handles.ts). */
  caseless: boolean;
  /** Every spelling of the handle seen (`Alice`, `alice`). */
  handles: string[];
  /** Display names the author used. */
  names: string[];
  /** Platform ids of their posts. */
  externalIds: string[];
  /** Their posts' and profile's URLs. */
  urls: string[];
}

export const ERASED = '[erased]';

/**
 * Keys whose string value names an author in the payloads, audit snapshots and raw posts we
 * store: `authorHandle`, `name`, `user`, `screen_name`, `in_reply_to_screen_name`,
 * `parent_author`, `displayName`… (not `brandName` or `sourceName`).
 */
const AUTHOR_KEY =
  /(^|[_a-z])(handle|user(_?name)?|screen_?name|acct|login|author(_?name)?|display_?name)$|^name$/i;
const isAuthorKey = (k: string) => AUTHOR_KEY.test(k);
/** Handle keys: an object whose handle is the subject's is about the subject. */
const HANDLE_KEYS = [
  'authorHandle',
  'author_handle',
  'handle',
  'username',
  'screen_name',
  'screenName',
  'acct',
];
/** The personal fields of an object about the subject. */
const PERSONAL_KEYS = new Set([
  'text',
  'title',
  'body',
  'content',
  'url',
  'permalink',
  'authorUrl',
  'author_url',
  'externalId',
  'external_id',
]);

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A character that continues a handle or id: letters, digits, `_` and `-`. */
const WORD = '\\p{L}\\p{N}_';

/**
 * String and JSON rewriting for an erasure, aware of context so it removes the author and not
 * words that happen to equal their handle: a value under an author key (`authorHandle`, `name`,
 * `username`…) equal to one of their handles or names; `@handle` mentions anywhere; their URLs
 * and external ids (exact, or inside longer strings when 10+ characters long); and every
 * personal field (text, title, url…) of an object whose handle is theirs. A display name is not
 * searched for inside free text: names are not unique ("Acme Support").
 *
 * @example
 * const s = createScrubber({ platform: 'x', caseless: true, handles: ['Alice'], names: ['Alice A.'], externalIds: [], urls: [] });
 * s.text('Negative post by @alice') // 'Negative post by @[erased]'
 */
export function createScrubber(subject: ErasureSubject) {
  const fold = (v: string) => (subject.caseless ? v.toLowerCase() : v);
  const handles = new Set(subject.handles.filter(Boolean).map(fold));
  const names = new Set(subject.names.filter(Boolean).map((n) => n.toLowerCase()));
  const exact = new Set([...subject.externalIds, ...subject.urls].filter(Boolean));
  const alts = [...new Set(subject.handles.filter(Boolean))]
    .sort((a, b) => b.length - a.length)
    .map(escapeRe);
  const mention = alts.length
    ? new RegExp(
        `(?<![${WORD}])@(?:${alts.join('|')})(?![${WORD}-]|\\.[${WORD}])`,
        subject.caseless ? 'giu' : 'gu',
      )
    : null;
  const long = [...new Set([...subject.urls, ...subject.externalIds].filter((x) => x.length >= 10))]
    .sort((a, b) => b.length - a.length)
    .map(escapeRe);
  const inside = long.length ? new RegExp(`(?<![${WORD}])(?:${long.join('|')})(?![${WORD}])`, 'gu') : null;

  const isHandle = (v: string) => handles.has(fold(v.trim().replace(/^@/, '')));
  const isName = (v: string) => names.has(v.trim().toLowerCase());

  /** Free text: `@handle` mentions and long ids/URLs removed. */
  function text(s: string): string {
    let out = mention ? s.replace(mention, `@${ERASED}`) : s;
    if (inside) out = out.replace(inside, ERASED);
    return out;
  }

  function value(s: string, key: string | undefined): string {
    if (exact.has(s)) return ERASED;
    if (key !== undefined && isAuthorKey(key) && (isHandle(s) || isName(s))) return ERASED;
    return text(s);
  }

  function aboutSubject(o: Record<string, unknown>): boolean {
    if (typeof o.platform === 'string' && o.platform !== subject.platform) return false;
    return HANDLE_KEYS.some((k) => typeof o[k] === 'string' && isHandle(o[k] as string));
  }

  function walk(v: unknown, key: string | undefined, depth: number): unknown {
    if (typeof v === 'string') return value(v, key);
    if (!v || typeof v !== 'object' || depth > 100) return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, key, depth + 1));
    const o = v as Record<string, unknown>;
    const mine = aboutSubject(o);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) {
      // A map keyed by the subject (a handle or one of their ids as a key) loses the key.
      let name = isHandle(k) || exact.has(k) ? ERASED : k;
      for (let i = 2; name !== k && Object.hasOwn(out, name); i++) name = `${ERASED}#${i}`;
      out[name] =
        mine && (PERSONAL_KEYS.has(k) || isAuthorKey(k)) && typeof x === 'string'
          ? ERASED
          : walk(x, k, depth + 1);
    }
    return out;
  }

  return {
    text,
    /** A JSON value rewritten, and whether anything changed. */
    json(v: unknown): { value: unknown; changed: boolean } {
      const next = walk(v, undefined, 0);
      return { value: next, changed: JSON.stringify(next) !== JSON.stringify(v) };
    },
    /** Strings to look for in a column before reading its rows (case-folded when caseless). */
    needles(): string[] {
      return [...new Set([...subject.handles, ...subject.names, ...exact].filter((x) => x.length > 0))];
    },
  };
}
