import { z } from 'zod';
import { cjkRuns, foldText } from '../src/text.ts';
import { compileLexicon } from './_lib/lexicon.ts';
import type { ClassifierInput } from './types.ts';
import { defineClassifier } from './types.ts';

/**
 * Spam and promotion score 0..1 with reasons, from independent signals combined by noisy-OR:
 * link farms (many links for little text, URL shorteners), character runs, hashtag and
 * @mention stuffing, promo patterns (EN/ZH: 加微信, 代购, 兼职, 返利, DM for promo, free
 * followers...), contact details (WeChat/QQ/WhatsApp/Telegram handles, phone numbers), author
 * heuristics (few followers with very many posts, new accounts posting a lot, an author with
 * almost no followers who floods a tracked brand) and a near-duplicate flood (`floodScore`, from
 * the story size the pipeline passes as `nearDuplicates`).
 *
 * Every mention gets a score (0 when no signal fires), so "scored clean" and "not scored" differ.
 */
export const spamOptions = z
  .object({
    /** Extra promo phrases (any language), each with its weight. */
    promoTerms: z.array(z.object({ term: z.string().min(1), weight: z.number().min(0).max(1) })).default([]),
    /** Hosts counted as URL shorteners (platform wrappers such as t.co and t.cn are not). */
    shorteners: z
      .array(z.string())
      .default([
        'bit.ly',
        'tinyurl.com',
        'goo.gl',
        'ow.ly',
        'is.gd',
        'buff.ly',
        'cutt.ly',
        'rb.gy',
        'shorturl.at',
        'rebrand.ly',
        'tiny.cc',
        'v.gd',
        'bl.ink',
        'shorte.st',
        'adf.ly',
        'linktr.ee',
        'dwz.cn',
        'url.cn',
        'suo.im',
        'sohu.gg',
        'u.nu',
        'qr.net',
      ]),
  })
  .strict();
export type SpamOptions = z.output<typeof spamOptions>;

const PROMO = compileLexicon<number>(
  (
    [
      // English
      [
        0.6,
        'dm for promo|dm for collab|dm me for|dm to order|free followers|buy followers|get followers|gain followers|followers fast|follow for follow|f4f|l4l|like for like|sub4sub|check my bio|link in bio|click the link|click here|limited time offer|act now|100% free|make money online|earn money|work from home|passive income|crypto signals|giveaway winner|claim your prize|you have won|cheap viagra|promo code|use code|discount code|onlyfans',
      ],
      [
        0.4,
        'free shipping|buy now|order now|shop now|best price|lowest price|dm me|whatsapp me|telegram me|join my channel|join our telegram|forex|binary options|airdrop',
      ],
      // Chinese
      [
        0.7,
        '加微信|加v|加vx|加薇|加威|薇信|威信|v信|vx:|vx：|wx:|wx：|加qq|qq群|兼职|兼職|日结|日結|刷单|刷單|返利|招代理|免费领取|免費領取|点击链接|點擊鏈接|私信领取|私我|扫码|掃碼|加群|刷粉|涨粉|漲粉|互粉|互关|互關|低价出|出售账号|出售帳號|外围|约炮|约会服务|博彩|网赌|網賭|彩票内部|稳赚|穩賺|日赚|日賺|月入过万|月入過萬|躺赚|躺賺',
      ],
      [
        0.4,
        '代购|代購|返现|返現|优惠券|優惠券|领券|領券|限时抢购|限時搶購|秒杀|秒殺|包邮|包郵|团购|團購|拼单|拼單|直播间|直播間|链接在评论|鏈接在評論',
      ],
    ] as const
  ).flatMap(([w, terms]) => terms.split('|').map((term) => ({ term, meta: w as number }))),
);

const URL_RE = /https?:\/\/([^\s/?#<>"']+)[^\s<>"']*/giu;
// A hashtag starts with a letter: `#1` is a list item and `&#38388;` an undecoded entity.
const HASHTAG_RE = /[#＃][\p{L}_][\p{L}\p{N}_]*/gu;
const MENTION_RE = /(?<![\p{L}\p{N}])@[\p{L}\p{N}_.]+/gu;
const RUN_RE = /(.)\1{6,}/u;
const EMOJI_RE = /\p{Extended_Pictographic}/gu;
const CONTACT_RE =
  /(?:微信|wechat|weixin|vx|wx|qq|whatsapp|telegram|tg|line)\s*(?:号|id)?\s*[:：]?\s*[a-z0-9_\-+]{5,}|(?<!\d)(?:1[3-9]\d{9}|\+\d{1,3}[\s-]?\d[\d\s-]{6,}\d)(?!\d)/iu;

export interface SpamResult {
  score: number;
  reasons: string[];
}

/**
 * How suspicious a near-duplicate flood is: the number of near-identical copies of a post seen
 * in the dedup window (the pipeline's SimHash links). 0 for up to 2 copies (retweets happen),
 * ~0.5 at 10, approaching 0.9 for hundreds.
 *
 * @example
 * floodScore(0) // 0
 * floodScore(10) // 0.5
 */
export function floodScore(dupCount: number): number {
  if (!Number.isFinite(dupCount) || dupCount <= 2) return 0;
  return Math.round(Math.min(0.9, (0.5 * Math.log(dupCount - 1)) / Math.log(9)) * 1000) / 1000;
}

/**
 * Author heuristics; fields the source does not give are skipped.
 *
 * @example
 * authorSpamSignals({ handle: 'x', followers: 3, postsCount: 20000 }, new Date()) // [{ reason: 'author:few-followers-many-posts', weight: 0.4 }]
 */
export function authorSpamSignals(
  author: ClassifierInput['author'],
  now: Date,
): { reason: string; weight: number }[] {
  if (!author) return [];
  const out: { reason: string; weight: number }[] = [];
  const { followers, postsCount, createdAt, verified } = author;
  if (verified) return out;
  if (followers != null && postsCount != null && followers < 20 && postsCount > 2000) {
    out.push({ reason: 'author:few-followers-many-posts', weight: 0.4 });
  }
  if (createdAt) {
    const days = Math.max(0, (now.getTime() - createdAt.getTime()) / 86_400_000);
    if (days < 7) out.push({ reason: 'author:new-account', weight: 0.2 });
    if (postsCount != null && postsCount / Math.max(days, 1) > 100)
      out.push({ reason: 'author:posting-rate', weight: 0.4 });
  }
  return out;
}

/**
 * Spam score of one input. `now` is the time the author is judged at (the post's publication):
 * account age, posting rate and brand-flood rate are measured up to it.
 *
 * @example
 * spamOf({ id: '1', text: '兼职日结，加微信 abc12345 详聊' }) // { score: 0.97, reasons: ['promo:兼职', 'promo:日结', ...] }
 */
export function spamOf(
  input: Pick<ClassifierInput, 'text' | 'title' | 'author' | 'nearDuplicates' | 'authorSeen'>,
  options: SpamOptions = spamOptions.parse({}),
  now: Date = new Date(),
  extra: { dupCount?: number } = {},
): SpamResult {
  const raw = input.title ? `${input.title}\n${input.text}` : input.text;
  const text = foldText(raw);
  const signals: { reason: string; weight: number }[] = [];

  const urls = [...text.matchAll(URL_RE)];
  const withoutUrls = text.replace(URL_RE, ' ');
  const words = withoutUrls.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
  const cjkChars = cjkRuns(withoutUrls).reduce((n, r) => n + r.length, 0);
  const size = words + cjkChars / 2; // two CJK characters ≈ one word
  if (urls.length >= 3 || (urls.length >= 2 && size < 12))
    signals.push({ reason: `links:${urls.length}`, weight: urls.length >= 4 ? 0.6 : 0.4 });
  else if (urls.length === 1 && size < 4) signals.push({ reason: 'links:bare', weight: 0.2 });
  const shortened = urls.filter((m) => options.shorteners.includes(m[1]!.replace(/^www\./, ''))).length;
  if (shortened)
    signals.push({ reason: 'link-shortener', weight: Math.min(0.5, 0.3 + 0.1 * (shortened - 1)) });

  const tags = withoutUrls.match(HASHTAG_RE) ?? [];
  if (tags.length >= 6 || (tags.length >= 4 && tags.length >= size / 2)) {
    signals.push({ reason: `hashtags:${tags.length}`, weight: tags.length >= 10 ? 0.6 : 0.4 });
  }
  const mentions = withoutUrls.match(MENTION_RE) ?? [];
  if (mentions.length >= 6) signals.push({ reason: `mentions:${mentions.length}`, weight: 0.4 });
  if (RUN_RE.test(withoutUrls.replace(/[\s.!?！？。…\-_=*~]/g, '')))
    signals.push({ reason: 'repeated-characters', weight: 0.25 });
  const emoji = (withoutUrls.match(EMOJI_RE) ?? []).length;
  if (emoji >= 15 && emoji > size) signals.push({ reason: 'emoji-stuffing', weight: 0.3 });

  let promo = 0;
  for (const h of PROMO.match(text)) {
    if (signals.some((s) => s.reason === `promo:${h.term}`)) continue;
    signals.push({ reason: `promo:${h.term}`, weight: h.meta });
    promo++;
  }
  if (options.promoTerms.length) {
    for (const p of options.promoTerms) {
      if (text.includes(foldText(p.term)))
        signals.push({ reason: `promo:${foldText(p.term)}`, weight: p.weight });
    }
  }
  if (CONTACT_RE.test(withoutUrls)) signals.push({ reason: 'contact-details', weight: promo ? 0.5 : 0.25 });

  signals.push(...authorSpamSignals(input.author, now));
  const seen = input.authorSeen;
  if (seen && (input.author?.followers ?? Number.POSITIVE_INFINITY) < 50 && !input.author?.verified) {
    // Posts about tracked brands stored for this author, per day since first seen (at least a day).
    const days = seen.firstSeenAt
      ? Math.max(1, (now.getTime() - seen.firstSeenAt.getTime()) / 86_400_000)
      : 1;
    if (seen.posts >= 20 && seen.posts / days >= 20)
      signals.push({ reason: `author:brand-flood:${seen.posts}`, weight: 0.4 });
  }
  const dupCount = extra.dupCount ?? input.nearDuplicates ?? 0;
  const flood = floodScore(dupCount);
  if (flood > 0) signals.push({ reason: `near-duplicates:${dupCount}`, weight: flood });

  let keep = 1;
  for (const s of signals) keep *= 1 - s.weight;
  return { score: Math.round((1 - keep) * 1000) / 1000, reasons: signals.map((s) => s.reason) };
}

export const spam = defineClassifier({
  id: 'spam',
  version: '2',
  description:
    'Spam and promotion score with reasons (links, stuffing, EN/ZH promo patterns, contacts, author heuristics)',
  options: spamOptions,
  produces: ['spam'],
  classify: (_ctx, inputs, _prior, options) => {
    const now = new Date();
    return inputs.map((i) => {
      // Account age and posting rates as of the post, never later than now.
      const at = i.publishedAt && i.publishedAt.getTime() < now.getTime() ? i.publishedAt : now;
      return { spam: spamOf(i, options, at) };
    });
  },
});
