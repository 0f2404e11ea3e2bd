// Types for the parts of yargs' dependencies par imports directly, which ship no declarations.

declare module '*/yargs/build/lib/yargs-factory.js' {
  /** Makes the `yargs()` function from a platform object (what yargs' index.mjs does with its ESM shim). */
  export function YargsFactory(platform: object): (args: string[]) => unknown;
}

declare module 'cliui' {
  const cliui: (options: { width: number; wrap: boolean }) => unknown;
  export default cliui;
}

declare module 'y18n' {
  const y18n: (options: { directory: string; updateFiles: boolean }) => object;
  export default y18n;
}
