/**
 * Render speed on the real documentation corpus (issue 14: "a first sync limited by the API, not
 * the CPU"): every article of `docs-large` rendered in this process, page by page, as the sync
 * renders it (decode, scan, render). CPU milliseconds per page (process.cpuUsage), so the other
 * work on a shared machine counts less than it would in wall-clock time. One small made-up page
 * is rendered first, not counted (its time is reported as `warmupMs`): the first render of a
 * process loads and compiles the parser, which is not the cost of whichever page comes first.
 */
import fs from 'node:fs';
import path from 'node:path';
import { renderInput, scanArticle } from '../../src/extract/article.js';
import type { ExtractSettings } from '../../src/extract/index.js';
import { renderArticle } from '../../src/extract/render.js';
import { decodeText } from '../../src/extract/text.js';

export interface RenderResult {
  pages: number;
  errors: number;
  medianMs: number;
  p99Ms: number;
  maxMs: number;
  maxFile: string;
  totalMs: number;
  /** The five slowest pages, slowest first. */
  slowest: { file: string; ms: number }[];
  /** CPU ms of the warm-up page (not counted above). */
  warmupMs: number;
}

/** Something of each kind the renderer parses: a title heading, a comment, a list with code, a definition. */
const WARM_UP = [
  '# Warm-up',
  '<!-- a comment -->',
  '- An item with [a link][r] and `code`\n\n  ```powershell\n  Get-Item\n  ```',
  '1. Step\n2. Step',
  '| a | b |\n|---|---|\n| 1 | 2 |',
  '[r]: https://example.com/r',
].join('\n\n');

const S: ExtractSettings = {
  markdownFormat: 'markdown',
  maxTextBytes: 2 * 1024 * 1024,
  maxItemsPerFile: 5000,
  maxDocumentBytes: 25 * 1024 * 1024,
};

function articles(dir: string): string[] {
  const out: string[] = [];
  (function walk(d: string) {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.mdx?$/i.test(e.name) && !/^(README|LICENSE)/i.test(e.name)) out.push(p);
    }
  })(dir);
  return out;
}

function cpuMs(fn: () => void): number {
  const c = process.cpuUsage();
  fn();
  const u = process.cpuUsage(c);
  return (u.user + u.system) / 1000;
}

export function measureRender(dir: string): RenderResult {
  const times: { ms: number; file: string }[] = [];
  let errors = 0;
  const warm = renderInput(scanArticle(`---\ntitle: Warm-up\n---\n${WARM_UP}\n`, 'warm-up.md', S), 'warm-up.md')!;
  const warmupMs = cpuMs(() => renderArticle(warm, S));
  for (const file of articles(dir)) {
    const rel = path.relative(dir, file).split(path.sep).join('/');
    const d = decodeText(fs.readFileSync(file), rel);
    if ('issue' in d) continue;
    const input = renderInput(scanArticle(d.text, rel, S), rel);
    if (!input) continue;
    const ms = cpuMs(() => {
      try {
        renderArticle(input, S);
      } catch {
        errors++;
      }
    });
    times.push({ ms, file: rel });
  }
  times.sort((a, b) => a.ms - b.ms);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(times.length * q))]!.ms;
  const r1 = (x: number) => Math.round(x * 10) / 10;
  return {
    pages: times.length,
    errors,
    medianMs: r1(at(0.5)),
    p99Ms: r1(at(0.99)),
    maxMs: r1(times.at(-1)!.ms),
    maxFile: times.at(-1)!.file,
    totalMs: Math.round(times.reduce((a, t) => a + t.ms, 0)),
    slowest: times
      .slice(-5)
      .reverse()
      .map((t) => ({ file: t.file, ms: r1(t.ms) })),
    warmupMs: r1(warmupMs),
  };
}
