import fc from 'fast-check';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import lazyWidth from '../../src/util/string-width-lazy.js';

/** The bundle's string-width (src/util/string-width-lazy.ts) against the package itself. */
describe('the lazy string-width', () => {
  const ascii = fc.string({ unit: fc.constantFrom(...Array.from({ length: 128 }, (_, i) => String.fromCharCode(i))) });
  const mixed = fc
    .array(
      fc.oneof(
        ascii,
        fc.string({ unit: 'grapheme' }),
        fc.constantFrom('\u001b[31m', '\u001b[0m', '退货', '👍🏽', 'é', 'e\u0301', '\u200b', '\t', 'ｱ'),
      ),
    )
    .map((parts) => parts.join(''));

  it('measures as string-width does: printable ASCII at one column a character, the rest by the package', () => {
    fc.assert(
      fc.property(fc.oneof(ascii, mixed), fc.boolean(), (s, countAnsiEscapeCodes) => {
        expect(lazyWidth(s, { countAnsiEscapeCodes })).toBe(stringWidth(s, { countAnsiEscapeCodes }));
      }),
      { numRuns: 2000 },
    );
    expect(lazyWidth('Shipping rates')).toBe(14);
    expect(lazyWidth('退货政策 👍🏽')).toBe(11);
  });
});
