/**
 * Render speed on the real documentation corpus (issue 14: "a first sync limited by the API, not
 * the CPU"): every article of `docs-large` rendered in this process, page by page, as the sync
 * renders it (decode, scan, render). CPU milliseconds per page (process.cpuUsage), so the other
 * work on a shared machine counts less than it would in wall-clock time.
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
}

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

export function measureRender(dir: string): RenderResult {
  const times: { ms: number; file: string }[] = [];
  let errors = 0;
  for (const file of articles(dir)) {
    const rel = path.relative(dir, file).split(path.sep).join('/');
    const d = decodeText(fs.readFileSync(file), rel);
    if ('issue' in d) continue;
    const input = renderInput(scanArticle(d.text, rel, S), rel);
    if (!input) continue;
    const c = process.cpuUsage();
    try {
      renderArticle(input, S);
    } catch {
      errors++;
    }
    const u = process.cpuUsage(c);
    times.push({ ms: (u.user + u.system) / 1000, file: rel });
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
  };
}
