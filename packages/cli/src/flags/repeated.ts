/**
 * For repeatable flags (`--tag a --tag b`). yargs' `array: true` would also swallow the
 * positional arguments that follow (`par verify --issuer A file`), so flags stay single-valued
 * and repeats are collected here.
 */
export function repeated(value: string | string[]): string[] {
  return Array.isArray(value) ? value : [value];
}
