/**
 * Information-seeking questions: "Which is better, Acme or Globex?", "Is the X200 dishwasher
 * safe?", "艾克米和Globex的智能插座哪个好？", "有人知道售后电话吗". Their polarity words ("better",
 * "safe", 好) are part of what is asked, not an opinion, so the post is neutral unless the
 * model is very sure. Rhetorical questions are opinions and are left alone: "why does it keep
 * crashing?", "where is my package?", "is it just me or is the app awful?", 凭什么, 谁还敢用,
 * "…?!".
 *
 * A text is an information-seeking question when every sentence of it that carries words is
 * a question (ends with ? / ？, or is a Chinese question form: 哪个好, 求推荐, 吗 at the end), at
 * least one is, and none is rhetorical.
 */
const SENTENCE_RE = /[^.!?。！？\n]+[.!?。！？\n]*/gu;
const RHETORICAL =
  /\b(?:why|how come|how (?:is|are|can|could|dare|hard)|where (?:is|are) my|where the|what the|who (?:would|wants|thought)|is it just me|am i the only|seriously|really)\b|为什么|为啥|凭什么|难道|谁还|怎么还|怎么又|怎么回事|还有没有|有没有搞错|搞什么|什么鬼|[!！]/u;
/** Chinese questions often go without a mark. */
const ZH_ASK =
  /(?:哪个|哪家|哪款|哪种|哪一个|哪里|哪儿|多少|多久|几点|求推荐|推荐一下|怎么样|如何|是否|吗|么|呢|嘛)\s*$/u;
const HAS_WORD = /[\p{L}\p{N}]/u;
const HAN_RE = /\p{Script=Han}/u;

/**
 * @example
 * isInfoQuestion('艾克米和Globex的智能插座哪个好？') // true
 * isInfoQuestion('Why does it keep crashing?') // false
 */
export function isInfoQuestion(folded: string): boolean {
  let asked = 0;
  for (const m of folded.matchAll(SENTENCE_RE)) {
    const sent = m[0];
    if (!HAS_WORD.test(sent)) continue;
    if (RHETORICAL.test(sent)) return false;
    const body = sent.replace(/[\s.。\n]+$/u, '');
    const isQ = /[?？]$/u.test(body) || ZH_ASK.test(body.replace(/[?？]+$/u, ''));
    if (!isQ) {
      // A short tail without a verb of opinion ("thanks", "help", an @handle or a URL) is no statement.
      const rest = body.replace(/(?:https?:\/\/|www\.)\S+|[@#]\S+/gu, '').trim();
      if (rest.length > (HAN_RE.test(rest) ? 5 : 12)) return false;
      continue;
    }
    asked++;
  }
  return asked > 0;
}
