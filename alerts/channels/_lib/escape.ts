/**
 * Escaping untrusted text for each target syntax. URLs in posts are defanged
 * (`hxxps://x[.]com`) so they neither render as links nor unfurl, and mass mentions (`@all`,
 * `@channel`, `<!channel>`, `<@U123>`) are broken so they never ping. HTML needs no escaper
 * here: the email is built with hono/jsx, which escapes every text and attribute.
 */

const URL_RE = /\b(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'`]+/gi;
const MASS_MENTION_RE = /@(all|channel|here|everyone|所有人|全体成员)(?![\p{L}\p{N}_])/giu;

/**
 * Make untrusted text inert on any chat surface: defang URLs so they neither link nor
 * unfurl, and put a word joiner after `@` in mass mentions.
 *
 * @example
 * neutralize('@all see https://evil.example/x') // '@\u2060all see hxxps://evil[.]example/x'
 */
export function neutralize(s: string): string {
  return s
    .replace(URL_RE, (u) => u.replace(/^http/i, 'hxxp').replace(/^ftp/i, 'fxp').replace(/\./g, '[.]'))
    .replace(MASS_MENTION_RE, '@\u2060$1');
}

/**
 * Explicit bidirectional formatting: embeddings, overrides and isolates (U+202A–U+202E,
 * U+2066–U+2069) and the directional marks (U+200E, U+200F, U+061C). In a post or a name they
 * spoof: "\u202etroppuS emcA" displays as "Acme Support", and an override left open reverses
 * the rest of the line (the handle, the platform, the time). Right-to-left letters need none
 * of them to display in their order.
 */
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * One line of untrusted text: whitespace and control characters collapsed to single spaces,
 * bidirectional controls removed.
 */
export function oneLine(s: string): string {
  return s
    .replace(BIDI_CONTROLS, '')
    .replace(/[\u0000-\u001f\u007f\u2028\u2029\s]+/g, ' ')
    .trim();
}

const LOOKALIKE: Record<string, string> = { '*': '\u2217', '~': '\u223c', '`': '\u02cb', _: '\uff3f' };

/**
 * Emphasis and code markers as look-alike characters (`*` ∗, `~` ∼, `` ` `` ˋ, `_` ＿), for
 * markups that cannot escape them: Slack's mrkdwn has no escape at all, and a zero-width space
 * between `**` (what the weak markdown did) still leaves `*b*`, italic. `_` changes only where
 * it can open or close emphasis, so `@angry_user` stays as written.
 *
 * @example
 * disarmEmphasis('*bold* _it_ angry_user') // '∗bold∗ ＿it＿ angry_user'
 */
export function disarmEmphasis(s: string): string {
  return s
    .replace(/[*~`]/g, (c) => LOOKALIKE[c]!)
    .replace(/(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu, LOOKALIKE._!);
}

/**
 * Slack mrkdwn: `&<>` become entities, which also disarms `<!channel>`, `<@U1>` and
 * `<url|text>`; emphasis and code markers become look-alikes (`disarmEmphasis`).
 */
export function escapeSlack(s: string): string {
  return disarmEmphasis(neutralize(s)).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * CommonMark-style markdown (Teams Adaptive Cards, Feishu lark_md): backslash-escape the
 * inline syntax, and block markers at a line start.
 */
export function escapeMarkdown(s: string): string {
  return neutralize(s)
    .replace(/[\\`*_{}[\]()<>#|~!]/g, '\\$&')
    .replace(/^(\s*)([-+=]|\d+\.)/gm, (_m, sp: string, mk: string) => `${sp}${mk.replace(/[-+=.]/, '\\$&')}`);
}

/**
 * Markdown for renderers with no reliable backslash escape (DingTalk, WeCom): links and images
 * and line-start markers are broken with zero-width spaces, emphasis and code markers become
 * look-alikes (`disarmEmphasis`), and angle brackets become full-width so `<font>`, `<@userid>`
 * and raw HTML never render.
 */
export function escapeWeakMarkdown(s: string): string {
  const ZW = '\u200b';
  return disarmEmphasis(neutralize(s))
    .replace(/</g, '＜')
    .replace(/>/g, '＞')
    .replace(/\]\s*[([]/g, (m) => `${m[0]}${ZW}${m.slice(1)}`)
    .replace(/!\[/g, `!${ZW}[`)
    .replace(/^(\s*)([#>+\-|[]|\d+\.)/gm, `$1${ZW}$2`);
}

/** The URL if it is an absolute http(s) URL; otherwise undefined (never link `javascript:`). */
export function safeUrl(u: string | undefined): string | undefined {
  if (!u) return undefined;
  try {
    const url = new URL(u);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** Percent-encode what would end or break a markdown link destination. */
export function markdownUrl(u: string): string {
  return u.replace(/[()<>\s\\]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}
