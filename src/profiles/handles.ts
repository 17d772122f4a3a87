/**
 * Platforms whose account names are case-sensitive, where `Alice` and `alice` are two people:
 * Hacker News usernames; YouTube, whose collector keys authors by channel id (`UC…`, base64url);
 * and the review sites (App Store, Google Play, Trustpilot), whose "handle" is the reviewer's
 * display name, matched exactly. Everywhere else (X, Reddit, Mastodon `user@instance`, Bluesky
 * domain handles, Weibo, feeds and pages keyed by name or host, and platforms pushed through
 * the API) an account name is case-insensitive, as those platforms treat it.
 */
export const CASE_SENSITIVE_HANDLE_PLATFORMS: ReadonlySet<string> = new Set([
  'hackernews',
  'youtube',
  'appstore',
  'googleplay',
  'trustpilot',
]);

export const handlesAreCaseless = (platform: string) => !CASE_SENSITIVE_HANDLE_PLATFORMS.has(platform);

/**
 * The form of a handle that identifies its account on the platform: NFC, and lower-cased where
 * the platform ignores case. Erasure and arrival-time redaction match handles by it.
 *
 * @example
 * canonicalHandle('x', 'Alice') // 'alice'
 * canonicalHandle('hackernews', 'Alice') // 'Alice'
 */
export function canonicalHandle(platform: string, handle: string): string {
  const h = handle.normalize('NFC').trim();
  return handlesAreCaseless(platform) ? h.toLowerCase() : h;
}
