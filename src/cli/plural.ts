/**
 * A count with its noun in the right number, for CLI lines.
 *
 * @example
 * plural(1, 'brand') // '1 brand'
 * plural(3, 'source') // '3 sources'
 * plural(2, 'entry', 'entries') // '2 entries'
 */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
