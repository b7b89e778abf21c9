import type realStringWidth from 'string-width';

/**
 * string-width, loaded when first called. Imported, string-width builds an `Intl.Segmenter` and
 * compiles a `\p{RGI_Emoji}` regex (~30 ms), and yargs loads it with every command; only help
 * text and tables measure text. The bundle (.esbuild.js) puts this module in place of every
 * import of `string-width`, and bundles the `require` below as a module that runs when reached.
 */
type StringWidth = typeof realStringWidth;

let real: StringWidth | undefined;

export default function stringWidth(...args: Parameters<StringWidth>): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a require is what the bundle defers
  real ??= (require('string-width') as { default: StringWidth }).default;
  return real(...args);
}
