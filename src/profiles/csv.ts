/**
 * RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF, a BOM ignored.
 *
 * @example
 * parseCsv('crm_id,handles\nC1,"weibo:a;x:b"\n') // [['crm_id','handles'],['C1','weibo:a;x:b']]
 */
export function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.length > 1 || row[0] !== '') out.push(row);
      row = [];
    } else field += ch;
  }
  if (field !== '' || row.length) {
    row.push(field);
    if (row.length > 1 || row[0] !== '') out.push(row);
  }
  return out;
}

/**
 * One CSV cell, safe to open in a spreadsheet: a value starting with = + - @ (or a tab or
 * carriage return) is prefixed with an apostrophe so it is never evaluated as a formula
 * (OWASP "CSV injection"), then quoted when needed. A value that is a JavaScript number (our
 * own figures, never post text) is written as is, so a negative sentiment stays a number.
 */
export function csvCell(v: unknown): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  let s = v === null || v === undefined ? '' : Array.isArray(v) ? v.join(';') : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return `${[header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
