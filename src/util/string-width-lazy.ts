import type realStringWidth from 'string-width';

/**
 * string-width, loaded when first needed. Imported, string-width builds an `Intl.Segmenter` and
 * compiles a `\p{RGI_Emoji}` regex (~30 ms), and yargs loads it with every command; only help
 * text and tables measure text, and most of it is printable ASCII, one column a character. The
 * bundle (.esbuild.js) puts this module in place of every import of `string-width`, and bundles
 * the `require` below as a module that runs when reached.
 */
type StringWidth = typeof realStringWidth;

/** Printable ASCII: no escape sequence, no control, nothing wide or combining. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

let real: StringWidth | undefined;

export default function stringWidth(text: string, options?: Parameters<StringWidth>[1]): number {
  if (typeof text === 'string' && PRINTABLE_ASCII.test(text)) return text.length;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a require is what the bundle defers
  real ??= (require('string-width') as { default: StringWidth }).default;
  return real(text, options);
}
