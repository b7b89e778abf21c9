/**
 * Hostile inputs shared by the unit tests (which check what comes out: an error, a complete
 * scan) and `npm run bench` (which times them: test/bench/hostile.ts). Tests assert no wall
 * clock; a catastrophic regression still ends at the test's ceiling instead of passing.
 */

/** A YAML "billion laughs": each level is a list of nine aliases of the level below. */
export function aliasBomb(levels: number, leaf: string): string[] {
  const names = 'abcdefghijklmnopqrstuvwxyz';
  const lines = [`a: &a [${Array.from({ length: 9 }, () => JSON.stringify(leaf)).join(',')}]`];
  for (let i = 1; i < levels; i++) {
    const [name, below] = [names[i], names[i - 1]];
    lines.push(`${name}: &${name} [${Array.from({ length: 9 }, () => `*${below}`).join(',')}]`);
  }
  return lines;
}

/** A Q&A file of nine levels of laughs (9⁹ strings once expanded) used at `target`. */
export const laughsQa = (target: string): string => [...aliasBomb(9, 'lol'), target, ''].join('\n');

/** An article whose frontmatter holds eight levels of laughs. */
export const FRONTMATTER_BOMB = ['---', ...aliasBomb(8, 'x'), '---', 'Body.', ''].join('\n');

/** Long lines on which a backtracking pattern in the cheap article scan would be quadratic or worse. */
export const CHEAP_SCAN_CASES: [string, string][] = [
  ['a long run of spaces before a last word', `x${' '.repeat(99_000)}y\n`],
  ['a heading with long runs of spaces', `# a${' '.repeat(49_000)}b${' '.repeat(49_000)}c\n\nBody.\n`],
  ['a heading of unclosed brackets', `# ${'[a'.repeat(49_000)}\n\nBody.\n`],
  ['a heading of unclosed tags', `# ${'<a'.repeat(49_000)}\n\nBody.\n`],
  ['a heading of underscores', `# ${'_a '.repeat(33_000)}\n\nBody.\n`],
  [
    'lines of growing indentation',
    `x\n${Array.from({ length: 1_500 }, (_, i) => `${' '.repeat(2 * i)}- x`).join('\n')}`,
  ],
];

/** Markdown nested past what the renderer accepts: each must be a RenderError, not a hang or a stack overflow. */
export const NESTING_CASES: [string, string][] = [
  ['20k nested block quotes on one line', `${'>'.repeat(20_000)} deep\n`],
  ['20k nested list items on one line', `${'- '.repeat(20_000)}deep\n`],
  ['quotes one level deeper per line', Array.from({ length: 2_000 }, (_, i) => `${'>'.repeat(i + 1)} x`).join('\n')],
  ['list items one level deeper per line', Array.from({ length: 2_000 }, (_, i) => `${'  '.repeat(i)}- x`).join('\n')],
  ['mixed quotes and lists', `${'> - '.repeat(5_000)}x\n`],
  ['20k nested emphasis', `${'*'.repeat(20_000)}x${'*'.repeat(20_000)}\n`],
  ['emphasis opened word by word', `${'*a '.repeat(10_000)}x${' a*'.repeat(10_000)}\n`],
  ['emphasis spread over many lines of one paragraph', `${'*a\n'.repeat(10_000)}x\n${'a*\n'.repeat(10_000)}`],
  ['emphasis split by lines of no-break spaces (not blank for Markdown)', `${'*a *a *a\n\u00a0\n'.repeat(1_500)}x\n`],
  ['12k nested links', `${'[a '.repeat(12_000)}x${'](u)'.repeat(12_000)}\n`],
];

/**
 * An article body the renderer needs seconds for on any machine, far past limits.renderTimeoutMs
 * at its lowest (100 ms): about 1 MB of ordinary paragraphs, each with a comment to take out
 * (so none can skip the parser) among emphasis, a link and code. Nothing in it is refused by a
 * guard (nesting, markup in one place), so only the time limit can stop it. A long plain list
 * is not enough: it is rendered in well under 100 ms on a fast machine.
 */
export const SLOW_TO_RENDER = 'Some *emphasis*, a [link](other.md) and `code` <!-- a note --> in a line.\n\n'.repeat(
  14_000,
);
