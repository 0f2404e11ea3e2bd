// yargs' help renderer, imported lazily (only for --help). Bundled, a dynamic import() of a
// module with only a default export looks like a CommonJS chunk; named re-exports keep it plain.
export { default as cliui } from 'cliui';
export { default as stringWidth } from 'string-width';
