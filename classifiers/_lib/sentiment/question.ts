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
 * least one is, none is rhetorical (why, 凭什么, negative auxiliaries: "isn't it awful?"), and the
 * text is short (a review with a question in it is a review).
 */
const SENTENCE_RE = /[^.!?。！？\n]+[.!?。！？\n]*/gu;
const RHETORICAL =
  /^\W*(?:isn't|aren't|wasn't|weren't|don't|doesn't|didn't|won't|can't|shouldn't|wouldn't|couldn't|haven't|hasn't|wow)\b|\b(?:why|how come|how (?:is|are|can|could|dare|hard)|where (?:is|are) my|where the|what the|who (?:would|wants|thought)|is it just me|am i the only|seriously|really)\b|为什么|为啥|凭什么|难道|谁还|怎么还|怎么又|怎么回事|还有没有|有没有搞错|搞什么|什么鬼|[!！]/u;
/** Chinese questions often go without a mark. */
const ZH_ASK =
  /(?:哪个|哪家|哪款|哪种|哪一个|哪里|哪儿|多少|多久|几点|求推荐|推荐一下|怎么样|如何|是否|吗|么|嘛|怎么\p{Script=Han}{1,2})\s*$/u;
const HAS_WORD = /[\p{L}\p{N}]/u;
const MAX_QUESTION_LENGTH = 160;
const HAN_RE = /\p{Script=Han}/u;
const CLAUSE_RE = /[,，;；、]/u;
const CONTRAST_RE = /\b(?:but|however|though|although)\b|但是|但|不过|可是|然而|却/u;

/**
 * @example
 * isInfoQuestion('艾克米和Globex的智能插座哪个好？') // true
 * isInfoQuestion('Why does it keep crashing?') // false
 */
export function isInfoQuestion(folded: string): boolean {
  // Asking posts are short; a long review with a question in it is a review.
  if (folded.length > MAX_QUESTION_LENGTH) return false;
  // Without a question mark only Chinese can ask (吗, 哪个 …).
  if (!folded.includes('?') && !folded.includes('？') && !HAN_RE.test(folded)) return false;
  let asked = 0;
  for (const m of folded.matchAll(SENTENCE_RE)) {
    const sent = m[0];
    if (!HAS_WORD.test(sent)) continue;
    if (RHETORICAL.test(sent)) return false;
    const body = sent.replace(/[\s.。\n]+$/u, '');
    const isQ = /[?？]$/u.test(body) || ZH_ASK.test(body.replace(/[?？]+$/u, ''));
    if (!isQ) {
      // Only a tail of @handles, URLs and hashtags is no statement.
      const rest = body.replace(/(?:https?:\/\/|www\.)\S+|[@#]\S+/gu, '').trim();
      if (HAS_WORD.test(rest)) return false;
      continue;
    }
    // A question after a remark ("味道不错，家里来人吃了两回了，但怎么感觉量少了？") is the remark's.
    if (body.split(CLAUSE_RE).filter((c) => HAS_WORD.test(c)).length > 2 || CONTRAST_RE.test(body))
      return false;
    asked++;
  }
  return asked > 0;
}

/**
 * Job posts: recruiting words ("we're hiring", "job opening", 招聘, 诚聘, 五险一金). Their
 * upbeat wording ("join our amazing team", 包吃包住) is an offer, not an opinion of the brand.
 *
 * @example
 * isJobPost("we're hiring! apply at https://jobs.example.com") // true
 */
export function isJobPost(folded: string): boolean {
  return JOB_RE.test(folded);
}
const JOB_RE =
  /\b(?:we(?:'|’)?re hiring|we are hiring|now hiring|is hiring|are hiring|hiring now|job opening|job opportunit(?:y|ies)|open (?:role|position)s?|apply (?:now|here|at|via|today|online)|join our team|careers? page|vacanc(?:y|ies)|internships?)\b|#(?:hiring|jobs?|nowhiring)\b|招聘|诚聘|誠聘|招募|校招|社招|急招|内推|投递简历|投遞履歷|岗位|五险一金|包吃包住|薪资面议|月薪|简历/u;
