import { SourceFault } from '../errors.ts';

/**
 * Pages a platform answers with instead of content: an anti-bot challenge or a login wall.
 * Recognised here because it is a property of the answer, whoever asked: the client's
 * `json()` reports such a page where JSON was expected, and collectors check the HTML pages
 * they parse (through `collectors/_lib/html.ts`).
 */
const CAPTCHA = /captcha|recaptcha|hcaptcha|cf-challenge|are you a robot|验证码|人机验证|滑动验证/i;
const LOGIN = /<form[^>]+(login|signin|sign-in)|please (log|sign) in|登录后查看|请先登录|passport\.weibo/i;

/** Throw the right source fault for a page that is a captcha or a login wall. */
export function assertNotBlocked(text: string): void {
  const head = text.slice(0, 20_000);
  if (CAPTCHA.test(head)) throw new SourceFault('captcha', 'the platform answered with a captcha page');
  if (LOGIN.test(head)) throw new SourceFault('login-wall', 'the platform answered with a login page');
}
