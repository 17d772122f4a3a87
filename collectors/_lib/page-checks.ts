import { SourceFault } from '../../src/errors.ts';

/**
 * Refuse a cut or corrupted HTML document rather than take the part of it that parses: HTML
 * parsers are lenient, so half a page would yield half the items and a cursor past the rest. A
 * document that opens `<html` must close it (trailing comments after `</html>` are fine).
 */
export function assertCompleteHtml(text: string): void {
  if (/<html[\s>]/i.test(text.slice(0, 4096)) && !/<\/html\s*>/i.test(text.slice(-65_536)))
    throw new SourceFault('parse-error', 'the HTML document is incomplete or corrupted (no closing </html>)');
}
