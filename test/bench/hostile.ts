/**
 * Hostile inputs, timed (part of `npm run bench`): the unit tests check what these inputs give
 * (an error, a complete scan) without a wall clock; here is how long each takes, beside the
 * limit it should stay well under on an ordinary machine.
 */
import { renderInput, scanArticle } from '../../src/extract/article.js';
import type { ExtractSettings } from '../../src/extract/index.js';
import { extractQa } from '../../src/extract/qa.js';
import { renderArticle } from '../../src/extract/render.js';
import { CHEAP_SCAN_CASES, FRONTMATTER_BOMB, laughsQa, NESTING_CASES } from '../helpers/hostile.js';

const S: ExtractSettings = {
  markdownFormat: 'markdown',
  maxTextBytes: 2 * 1024 * 1024,
  maxItemsPerFile: 5000,
  maxDocumentBytes: 25 * 1024 * 1024,
};
const REL = 'guides/hostile.md';

export interface HostileRow {
  what: string;
  ms: number;
  limitMs: number;
}

/** The fastest of three runs (after one to warm up): the least disturbed by the rest of the machine. */
function time(fn: () => void): number {
  fn();
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
  }
  return Math.round(best);
}

export function measureHostileInputs(): HostileRow[] {
  const rows: HostileRow[] = [];
  for (const target of ['questions: *i', 'questions:\n  - q: A?\n    a: *i'])
    rows.push({
      what: `Q&A alias bomb (${target.split('\n')[0]})`,
      ms: time(() => extractQa(laughsQa(target), 'x.qa.yaml', S)),
      limitMs: 1000,
    });
  rows.push({ what: 'frontmatter alias bomb', ms: time(() => scanArticle(FRONTMATTER_BOMB, REL, S)), limitMs: 1000 });
  for (const [name, text] of CHEAP_SCAN_CASES)
    rows.push({ what: `cheap scan: ${name}`, ms: time(() => scanArticle(text, REL, S)), limitMs: 1000 });
  for (const [name, md] of NESTING_CASES) {
    const render = () => {
      const input = renderInput(scanArticle(md, REL, S), REL);
      try {
        if (input) renderArticle(input, S);
      } catch {
        /* the RenderError the unit test expects */
      }
    };
    rows.push({ what: `render: ${name}`, ms: time(render), limitMs: 2000 });
  }
  return rows;
}
