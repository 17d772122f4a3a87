import {
  type Document,
  isAlias,
  isCollection,
  isMap,
  isScalar,
  type LineCounter,
  type Node,
  visit,
  type YAMLError,
} from 'yaml';

/** A YAML problem in words a person editing the file understands, at the place to fix. */
export interface YamlIssue {
  line: number;
  col: number;
  message: string;
}

const RULE = 'keys of one mapping start at the same column; indent with spaces, usually 2 per level';

/**
 * Translate the `yaml` library's parse errors ("Nested mappings are not allowed in compact
 * mappings") into what went wrong and how to fix it: a tab used for indentation, a line
 * indented too deep or too shallow, an unclosed quote or bracket, a duplicate key, a colon or
 * a reserved character (`*`, `@`, backtick) in an unquoted value. Each issue points at the
 * line to edit, which is not always where the library noticed the problem (an unclosed quote
 * is noticed at the end of the file). One issue per line: the library often reports one
 * mistake several times.
 *
 * @example
 * explainYamlErrors(text, doc, lc)
 * // [{ line: 3, col: 5, message: 'bad indentation: this line is indented deeper than ...' }]
 */
export function explainYamlErrors(text: string, doc: Document, lc: LineCounter): YamlIssue[] {
  const lines = text.split(/\r?\n/);
  const lineOf = (n: number) => lines[n - 1] ?? '';
  const at = (offset: number) => lc.linePos(Math.max(0, Math.min(offset, text.length)));
  const indentCol = (n: number) => (/^[ \t]*/.exec(lineOf(n))?.[0].length ?? 0) + 1;
  const nextContentLine = (n: number) => {
    for (let k = n + 1; k <= lines.length; k++) if (!/^\s*(#.*)?$/.test(lineOf(k))) return k;
    return n;
  };

  const explain = (e: YAMLError): YamlIssue => {
    const pos = at(e.pos[0]);
    const line = lineOf(pos.line);
    const before = line.slice(0, pos.col - 1);
    const rest = stripComment(line.slice(pos.col - 1)).trim();
    const first = e.message.split('\n')[0] ?? e.message;
    switch (e.code) {
      case 'TAB_AS_INDENT':
        return {
          line: pos.line,
          col: 1,
          message:
            'tab in indentation: YAML indents with spaces only; replace the tab(s) at the start of this line with spaces',
        };
      case 'BLOCK_AS_IMPLICIT_KEY':
      case 'MULTILINE_IMPLICIT_KEY': {
        if (/:(\s|$)/.test(rest) && !/^["']/.test(rest)) {
          const inner = /^([^:]+):/.exec(rest)?.[1]?.trim() ?? '';
          const outer = /([^\s-][^:]*):\s*$/.exec(before)?.[1]?.trim() ?? '';
          return {
            ...pos,
            message: `a colon followed by a space in an unquoted value (${JSON.stringify(rest)}). If it is text, quote it: ${quoted(before, rest)}; if ${JSON.stringify(inner)} is a key under ${JSON.stringify(outer)}, put it on a line of its own, indented deeper`,
          };
        }
        const n = nextContentLine(pos.line);
        return {
          line: n,
          col: indentCol(n),
          message: `bad indentation: this line is indented deeper than the line above it (${JSON.stringify(line.trim())}), whose value is already given, so YAML reads it as part of that value. Line it up with the keys it belongs with (${RULE})`,
        };
      }
      case 'BAD_INDENT': {
        if (/^Flow (sequence|map)/.test(first)) {
          const close = /^Flow sequence/.test(first) ? ']' : '}';
          const open = close === ']' ? '[' : '{';
          const start = unclosedFlowStart(doc, e.pos[0]);
          const p = start === null ? pos : at(start);
          return {
            ...p,
            message: `unclosed ${open}: the list or mapping opened here must end with ${close} (continuation lines must be indented deeper than its key)`,
          };
        }
        if (/same column/.test(first))
          return {
            line: pos.line,
            col: indentCol(pos.line),
            message: `bad indentation: this key does not line up with the keys above it (${RULE})`,
          };
        return { ...pos, message: `bad indentation: ${first}` };
      }
      case 'MISSING_CHAR': {
        const q = /Missing closing (["'])quote/.exec(first)?.[1];
        if (q) {
          const start = unclosedQuoteStart(doc, q, e.pos[0]);
          const p = start === null ? pos : at(start);
          return {
            ...p,
            message: `unclosed quote: the value opened with ${q} here has no closing ${q}, so the rest of the file is read as part of it; add the closing ${q}`,
          };
        }
        if (/Implicit map keys need to be followed by map values/.test(first))
          return {
            ...pos,
            message: `${JSON.stringify(rest)} is not a "key: value" pair: add a colon and a value, or remove the line (if it continues the value above, indent it deeper than that key)`,
          };
        return { ...pos, message: `YAML syntax error: ${first}` };
      }
      case 'DUPLICATE_KEY': {
        const d = duplicateKey(doc, e.pos[0]);
        const where = d?.firstAt === undefined ? '' : ` (first at line ${at(d.firstAt).line})`;
        return {
          ...pos,
          message: `duplicate key ${d ? JSON.stringify(d.key) : ''}${where}: a key may appear once in a mapping; remove one or merge them`,
        };
      }
      case 'BAD_SCALAR_START': {
        const ch = line[pos.col - 1] ?? '';
        return {
          ...pos,
          message: `an unquoted value cannot start with ${ch}: quote it, e.g. ${quoted(before, rest)}`,
        };
      }
      case 'UNEXPECTED_TOKEN':
        if (/alias/i.test(first))
          return starValue(pos.line, line) ?? { ...pos, message: `YAML syntax error: ${first}` };
        if (/scalar at node end/i.test(first))
          return {
            ...pos,
            message:
              'text after the closing quote: quote the whole value, or move the extra text inside the quotes',
          };
        return { ...pos, message: `YAML syntax error: ${first}` };
      default:
        return { ...pos, message: `YAML syntax error: ${first}` };
    }
  };

  const out: YamlIssue[] = [];
  const seen = new Set<number>();
  for (const e of doc.errors) {
    const issue = explain(e);
    if (seen.has(issue.line)) continue;
    seen.add(issue.line);
    out.push(issue);
  }
  return out.sort((a, b) => a.line - b.line || a.col - b.col);
}

/**
 * Aliases that name no anchor (`schedule: *x`): the library reports no parse error for them but
 * fails when the value is read. An unquoted cron expression starting with `*` reads as one.
 */
export function unresolvedAliases(text: string, doc: Document, lc: LineCounter): YamlIssue[] {
  const lines = text.split(/\r?\n/);
  const out: YamlIssue[] = [];
  visit(doc, {
    Alias(_k, node) {
      if (!isAlias(node) || node.resolve(doc) !== undefined) return;
      const pos = lc.linePos(node.range?.[0] ?? 0);
      out.push(
        starValue(pos.line, lines[pos.line - 1] ?? '') ?? {
          ...pos,
          message: `*${node.source} refers to an anchor &${node.source} that is not defined; a value starting with * must be quoted`,
        },
      );
    },
  });
  return out;
}

/** A value starting with `*` (a cron expression, most likely), which YAML reads as an alias. */
function starValue(lineNo: number, line: string): YamlIssue | null {
  const m = /^(\s*(?:-\s+)?[^\s#][^#]*?:\s+)(\*.*)$/.exec(stripComment(line));
  if (!m) return null;
  return {
    line: lineNo,
    col: m[1]!.length + 1,
    message: `a value starting with * must be quoted (YAML reads * as an alias): ${quoted(m[1]!, m[2]!.trim())}`,
  };
}

/** The line as it should read, with its value quoted. */
function quoted(before: string, value: string): string {
  const key = before.trim();
  const v = value.includes('"') ? `'${value.replaceAll("'", "''")}'` : `"${value}"`;
  return key ? `${key} ${v}` : v;
}

/** The line without a trailing ` # comment` (outside quotes). */
function stripComment(s: string): string {
  let q: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === q) q = null;
    } else if (c === '"' || c === "'") {
      if (i === 0 || /[\s:[{,]/.test(s[i - 1]!)) q = c;
    } else if (c === '#' && (i === 0 || /\s/.test(s[i - 1]!))) return s.slice(0, i);
  }
  return s;
}

/** Where the quoted scalar that runs into `errorAt` opens, from the parsed document. */
function unclosedQuoteStart(doc: Document, q: string, errorAt: number): number | null {
  const type = q === '"' ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE';
  let best: number | null = null;
  visit(doc, {
    Scalar(_k, n) {
      const r = n.range;
      if (n.type === type && r && r[0] < errorAt && r[1] >= errorAt && (best === null || r[0] > best))
        best = r[0];
    },
  });
  return best;
}

/** Where the flow collection (`[` or `{`) left open at `errorAt` starts. */
function unclosedFlowStart(doc: Document, errorAt: number): number | null {
  let best: number | null = null;
  visit(doc, {
    Collection(_k, n) {
      if (!isCollection(n) || !n.flow) return;
      const r = (n as Node).range;
      if (r && r[0] < errorAt && r[1] >= errorAt && (best === null || r[0] > best)) best = r[0];
    },
  });
  return best;
}

/** The key of the pair at `at` and where the same key first appears in its mapping. */
function duplicateKey(doc: Document, at: number): { key: string; firstAt?: number } | null {
  let found: { key: string; firstAt?: number } | null = null;
  visit(doc, {
    Map(_k, map) {
      if (found || !isMap(map)) return;
      const keyText = (k: unknown) => (isScalar(k) ? String(k.value) : String(k));
      const pair = map.items.find((p) => isScalar(p.key) && p.key.range?.[0] === at);
      if (!pair) return;
      const key = keyText(pair.key);
      const first = map.items.find((p) => p !== pair && keyText(p.key) === key);
      found = { key, firstAt: isScalar(first?.key) ? first.key.range?.[0] : undefined };
      return visit.BREAK;
    },
  });
  return found;
}
