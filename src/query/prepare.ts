import { foldText, segmentCJK } from '../text.ts';
import { isWordChar, normalizeFolded, scriptSegments, WORD_RUN_RE } from './chars.ts';

export interface MatchDoc {
  text: string;
  title?: string | null;
  authorHandle?: string | null;
  authorName?: string | null;
  url?: string | null;
  lang?: string | null;
  platform?: string | null;
}

/**
 * A document prepared once and matched against every brand's query. Treat it as opaque:
 * its shape is an implementation detail of the matcher.
 */
export interface PreparedDoc {
  /** Normalised title, `\n`, normalised text, padded with spaces: `" t1 t2 \n b1 b2 "`. */
  readonly norm: string;
  /** Index of the `\n` between title and text: a match starting before it is in the title. */
  readonly titleEnd: number;
  /** Token ordinal of each `norm` index (-1 on separators), for NEAR distances. */
  readonly tokAt: Int32Array;
  /** Alphabetic tokens of title and text (hashtag and mention names included, without the sigil). */
  readonly words: ReadonlySet<string>;
  readonly titleWords: ReadonlySet<string>;
  /** `#tag` / `@handle` -> flat [start, end) pairs of their spans in `norm`. */
  readonly tags: ReadonlyMap<string, readonly number[]>;
  readonly authorHandle: string;
  /** Normalised display name, padded with spaces. */
  readonly authorName: string;
  readonly url: string;
  /** Host of `url`, lower-case, without `www.`. */
  readonly host: string;
  readonly lang: string;
  readonly platform: string;
}

/** Token ordinals of the text start this far after the title's, so NEAR never spans the two. */
const SCOPE_GAP = 1000;
const MENTION_RE = /[\p{L}\p{N}\p{M}_]+(?:\.[\p{L}\p{N}\p{M}_]+)*/uy;

class NormBuilder {
  private readonly parts: string[] = [' '];
  len = 1;
  ord = 0;
  /** Flat [start, end, ordinal] triples. */
  private readonly spans: number[] = [];
  readonly words = new Set<string>();
  readonly tags = new Map<string, number[]>();

  addText(folded: string, words: Set<string>): void {
    let open: { tag: string; start: number; end: number; foldedEnd: number } | undefined;
    for (const m of folded.matchAll(WORD_RUN_RE)) {
      const run = m[0];
      const at = m.index;
      const runStart = this.len;
      const sigil = folded[at - 1];
      if (!open && (sigil === '#' || sigil === '@') && !isWordChar(folded[at - 2])) {
        let name = run;
        if (sigil === '@') {
          MENTION_RE.lastIndex = at;
          name = MENTION_RE.exec(folded)?.[0] ?? run;
        }
        open = { tag: sigil + name, start: runStart, end: runStart, foldedEnd: at + name.length };
      }
      for (const { seg, cjk } of scriptSegments(run)) {
        if (cjk) this.addCjk(seg);
        else {
          this.addToken(seg);
          words.add(seg);
          this.words.add(seg);
        }
      }
      if (open && at < open.foldedEnd) {
        open.end = this.len - 1;
        if (at + run.length >= open.foldedEnd) {
          const list = this.tags.get(open.tag);
          if (list) list.push(open.start, open.end);
          else this.tags.set(open.tag, [open.start, open.end]);
          open = undefined;
        }
      }
    }
  }

  private addToken(tok: string): void {
    this.spans.push(this.len, this.len + tok.length, this.ord++);
    this.parts.push(tok, ' ');
    this.len += tok.length + 1;
  }

  private addCjk(seg: string): void {
    let pieces = segmentCJK(seg);
    if (pieces.join('') !== seg) pieces = [seg];
    let at = this.len;
    for (const w of pieces) {
      this.spans.push(at, at + w.length, this.ord++);
      at += w.length;
    }
    this.parts.push(seg, ' ');
    this.len += seg.length + 1;
  }

  separate(): number {
    const at = this.len - 1;
    this.parts.push('\n ');
    this.len += 2;
    this.ord += SCOPE_GAP;
    return at + 1;
  }

  finish(): { norm: string; tokAt: Int32Array } {
    const norm = this.parts.join('');
    const tokAt = new Int32Array(norm.length).fill(-1);
    const s = this.spans;
    for (let i = 0; i < s.length; i += 3) tokAt.fill(s[i + 2]!, s[i]!, s[i + 1]!);
    return { norm, tokAt };
  }
}

/**
 * Fold, tokenize and index a mention once, so every brand's query can be evaluated
 * against it cheaply. Never throws on any input.
 *
 * @example
 * const doc = prepareDoc({ text: '我买了艾克米的手机 #Acme', url: 'https://news.example.com/a' });
 * compileQuery('"艾克米" AND site:example.com').match(doc) // true
 */
export function prepareDoc(doc: MatchDoc): PreparedDoc {
  const b = new NormBuilder();
  const titleWords = new Set<string>();
  if (doc.title) b.addText(foldText(doc.title), titleWords);
  const titleEnd = b.separate();
  b.addText(foldText(doc.text ?? ''), new Set());
  const { norm, tokAt } = b.finish();
  const url = doc.url ?? '';
  return {
    norm,
    titleEnd,
    tokAt,
    words: b.words,
    titleWords,
    tags: b.tags,
    authorHandle: foldText(doc.authorHandle ?? '')
      .trim()
      .replace(/^@/, ''),
    authorName: ` ${normalizeFolded(foldText(doc.authorName ?? ''))} `,
    url: foldText(url),
    host: hostOf(url),
    lang: (doc.lang ?? '').trim().toLowerCase().replace(/_/g, '-'),
    platform: foldText(doc.platform ?? '').trim(),
  };
}

function hostOf(url: string): string {
  if (!url) return '';
  try {
    const u = new URL(/^[a-z][a-z0-9+.-]*:/i.test(url) ? url : `http://${url}`);
    return u.hostname
      .toLowerCase()
      .replace(/^www\./, '')
      .replace(/\.$/, '');
  } catch {
    return '';
  }
}
