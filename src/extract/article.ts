import path from 'node:path';
import type { FileIssue } from '../errors.js';
import { hashFields } from './hash.js';
import { readFrontmatter } from './frontmatter.js';
import { longLine } from './text.js';
import type { ExtractSettings, FileExtract } from './types.js';

/**
 * Articles (Markdown → one `TEXT` item). Extraction is split in two:
 * - `scanArticle` (cheap, no Markdown parser): frontmatter, title, key, draft flags, and the
 *   prepared source whose hash identifies what would be sent;
 * - `renderArticle` (remark): the normalized body that is actually sent, only for items pushed.
 * The title rule and the removal of the title heading both work on lines, so both halves agree.
 */

export const MAX_LINE_LENGTH = 100_000;

export interface ArticleScan {
  extract: FileExtract;
  /** The prepared Markdown source (no frontmatter, no title heading, no MDX ESM lines). */
  source?: string;
  title?: string;
}

/** Fingerprint of the settings that change an article's payload for a given file. */
/**
 * The version of what render.ts produces. Bump it when normalization changes (or remark is
 * upgraded in a way that changes output): every article's hash changes, the next sync renders
 * them, and only those whose payload really changed are pushed again.
 */
export const RENDERER_VERSION = 'remark15-gfm4/1';

function articleFingerprint(relPath: string, s: ExtractSettings): string {
  return `${RENDERER_VERSION}|${s.markdownFormat}|${s.markdownBaseUrl ? `${s.markdownBaseUrl}|${path.posix.dirname(relPath)}` : ''}`;
}

export function articleKey(relPath: string, id: string | undefined): string {
  return id !== undefined ? `article:id:${id}` : `article:path:${relPath}`;
}

export function scanArticle(text: string, relPath: string, settings: ExtractSettings): ArticleScan {
  const issues: FileIssue[] = [];
  const fail = (issue: FileIssue): ArticleScan => ({ extract: { items: [], issues: [issue], complete: false } });

  const long = longLine(text, MAX_LINE_LENGTH);
  if (long) {
    return fail({
      file: relPath,
      line: long.line,
      severity: 'error',
      message: `line is ${long.length} characters long (the limit is ${MAX_LINE_LENGTH})`,
    });
  }
  const fm = readFrontmatter(text, relPath);
  if ('issue' in fm) return fail(fm.issue);
  const { data } = fm;

  if (data.draft === true) return { extract: { items: [], issues, complete: true, skipped: 'draft' } };
  if (data.sync === false) return { extract: { items: [], issues, complete: true, skipped: 'sync-false' } };
  for (const [k, want] of [
    ['draft', 'true or false'],
    ['sync', 'true or false'],
  ] as const) {
    if (data[k] !== undefined && typeof data[k] !== 'boolean') {
      return fail({
        file: relPath,
        line: keyLine(text, k),
        severity: 'error',
        message: `frontmatter "${k}" must be ${want}`,
      });
    }
  }

  let id: string | undefined;
  if (data.id !== undefined && data.id !== null) {
    if (typeof data.id !== 'string' && typeof data.id !== 'number') {
      return fail({
        file: relPath,
        line: keyLine(text, 'id'),
        severity: 'error',
        message: 'frontmatter "id" must be a string',
      });
    }
    id = String(data.id).trim();
    if (id === '')
      return fail({
        file: relPath,
        line: keyLine(text, 'id'),
        severity: 'error',
        message: 'frontmatter "id" is empty',
      });
  }

  let title: string | undefined;
  if (data.title !== undefined && data.title !== null) {
    if (typeof data.title !== 'string' && typeof data.title !== 'number') {
      return fail({
        file: relPath,
        line: keyLine(text, 'title'),
        severity: 'error',
        message: 'frontmatter "title" must be a string',
      });
    }
    title = String(data.title).trim() || undefined;
  }

  // Most articles have a frontmatter title and no MDX: then the body is the source as it is,
  // without splitting it into lines (this runs for every changed file of a scan).
  const mayHaveEsm = /(^|\n)(import|export)\s/.test(fm.body);
  let titleLine = fm.bodyLine;
  let source: string;
  if (title !== undefined && !mayHaveEsm) {
    source = stripEdges(fm.body);
  } else {
    const lines = fm.body.split('\n');
    const esm = mayHaveEsm ? esmLines(lines) : new Array<boolean>(lines.length).fill(false);
    let bodyLines = lines;
    let mask = esm;
    if (title === undefined) {
      const h1 = findH1(lines, esm);
      if (h1) {
        title = h1.text;
        titleLine = fm.bodyLine + h1.start;
        bodyLines = lines.filter((_, i) => i < h1.start || i > h1.end);
        // Keep the ESM mask aligned with the remaining lines.
        mask = esm.filter((_, i) => i < h1.start || i > h1.end);
      }
    }
    source = stripEdges(mayHaveEsm ? bodyLines.filter((_, i) => !mask[i]).join('\n') : bodyLines.join('\n'));
  }
  if (title === undefined) {
    title =
      path.posix
        .basename(relPath)
        .replace(/\.[^.]+$/, '')
        .replace(/[-_]+/g, ' ')
        .trim() || path.posix.basename(relPath);
  }
  if (isBlank(source)) {
    issues.push({
      file: relPath,
      line: fm.bodyLine,
      severity: 'warning',
      message: 'the article has no body; nothing is pushed',
    });
    return { extract: { items: [], issues, complete: true, skipped: 'empty' } };
  }
  const hash = hashFields(['article/v1', 'TEXT', title, source, articleFingerprint(relPath, settings)]);
  return {
    extract: {
      items: [{ key: articleKey(relPath, id), type: 'TEXT', label: title, hash, line: titleLine }],
      issues,
      complete: true,
    },
    source,
    title,
  };
}

/** Leading blank lines and trailing whitespace off (not /\s+$/: quadratic on long runs of whitespace). */
function stripEdges(s: string): string {
  let i = 0;
  while (s.charCodeAt(i) === 10) i++;
  return (i > 0 ? s.slice(i) : s).trimEnd();
}

function isBlank(source: string): boolean {
  if (!source.includes('<!--')) return source.trim() === '';
  return source.replace(/<!--[\s\S]*?(-->|$)/g, '').trim() === '';
}

function keyLine(text: string, key: string): number {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.startsWith(`${key}:`));
  return i >= 0 ? i + 1 : 2;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * The indexes of the lines that are Markdown text: not inside a fenced code block, not inside a
 * multi-line HTML comment, not the fence or comment-opening lines themselves, and not `skip`ped.
 * Both line rules below (MDX ESM, the title heading) look only at these.
 */
export function* textLines(lines: readonly string[], skip: readonly boolean[] = []): Generator<number> {
  let close: RegExp | undefined;
  let inComment = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (skip[i]) continue;
    if (close) {
      if (close.test(line)) close = undefined;
      continue;
    }
    if (inComment) {
      if (line.includes('-->')) inComment = false;
      continue;
    }
    const f = FENCE.exec(line);
    if (f) {
      const fence = f[1] as string;
      close = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
      continue;
    }
    if (line.includes('<!--') && !line.includes('-->', line.indexOf('<!--'))) {
      inComment = true;
      continue;
    }
    yield i;
  }
}

/** Which lines are MDX ESM (import/export paragraphs at the top level, outside code fences). */
export function esmLines(lines: readonly string[]): boolean[] {
  const mask = new Array<boolean>(lines.length).fill(false);
  let skipTo = -1;
  for (const i of textLines(lines)) {
    if (i <= skipTo) continue;
    const line = lines[i] as string;
    const prevBlank = i === 0 || (lines[i - 1] as string).trim() === '';
    if (!prevBlank || !/^(import|export)\s/.test(line)) continue;
    // The paragraph runs to the next blank line.
    let end = i;
    while (end + 1 < lines.length && (lines[end + 1] as string).trim() !== '') end++;
    const para = lines.slice(i, end + 1).join('\n');
    if (isEsm(para)) {
      for (let k = i; k <= end; k++) mask[k] = true;
      skipTo = end;
    }
  }
  return mask;
}

function isEsm(para: string): boolean {
  // An MDX ESM block may mix imports and exports: each line starting with one begins a statement.
  return para.split(/\n(?=(?:import|export)\s)/).every((stmt) => {
    if (/^import\s/.test(stmt)) {
      // Every statement must look like an import with a quoted module specifier.
      return stmt
        .split(/;\s*\n/)
        .map((s) => s.trim())
        .filter((s) => s !== '')
        .every((s) => /^import\s+(?:['"][^'"\n]+['"]|[\s\S]+?\sfrom\s+['"][^'"\n]+['"])\s*;?$/.test(s));
    }
    return /^export\s+(?:const|let|var|function|class|default|async\s+function|\{|\*\s+from|type|interface)\b/.test(
      stmt,
    );
  });
}

/** The first level-1 heading (ATX or setext) outside code fences and comments. */
export function findH1(
  lines: readonly string[],
  skip: readonly boolean[] = [],
): { text: string; start: number; end: number } | undefined {
  for (const i of textLines(lines, skip)) {
    const line = lines[i] as string;
    const atx = atxH1(line);
    if (atx !== undefined) {
      const text = inlineText(atx);
      if (text !== '') return { text, start: i, end: i };
      continue;
    }
    const next = lines[i + 1];
    if (
      next !== undefined &&
      /^ {0,3}=+[ \t]*$/.test(next) &&
      line.trim() !== '' &&
      /^ {0,3}\S/.test(line) &&
      !/^ {0,3}([-*+>]|\d+[.)]|#|<)/.test(line) &&
      (i === 0 || (lines[i - 1] as string).trim() === '')
    ) {
      const text = inlineText(line.trim());
      if (text !== '') return { text, start: i, end: i + 1 };
    }
  }
  return undefined;
}

/**
 * The content of an ATX level-1 heading line (`# Title #`), or undefined. Written out by hand: the
 * equivalent regular expression backtracks quadratically on long lines of spaces.
 */
function atxH1(line: string): string | undefined {
  const open = /^ {0,3}#(?=[ \t]|$)/.exec(line);
  if (!open) return undefined;
  let s = line.slice(open[0].length).replace(/^[ \t]+/, '');
  let end = s.length;
  while (end > 0 && (s[end - 1] === ' ' || s[end - 1] === '\t')) end--;
  s = s.slice(0, end);
  // An optional closing sequence: a run of '#' that is the whole content or follows a space.
  let hashes = s.length;
  while (hashes > 0 && s[hashes - 1] === '#') hashes--;
  if (hashes === 0) return '';
  if (hashes < s.length && (s[hashes - 1] === ' ' || s[hashes - 1] === '\t')) s = s.slice(0, hashes);
  return s;
}

/** Longest heading text turned into a title (the rules below are quadratic on absurd lines). */
const MAX_TITLE_SOURCE = 1_000;

/** Plain text of a line of inline Markdown (for titles). */
export function inlineText(s: string): string {
  if (s.length > MAX_TITLE_SOURCE)
    s = s.slice(0, /[\uD800-\uDBFF]/.test(s[MAX_TITLE_SOURCE - 1]!) ? MAX_TITLE_SOURCE - 1 : MAX_TITLE_SOURCE);
  return s
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\[[^\]]*\]/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/(`+)(.+?)\1/g, '$2')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/\*(.+?)\*/g, '$1')
    .replace(/(^|[^\p{L}\p{N}])_(.+?)_(?![\p{L}\p{N}])/gu, '$1$2')
    .replace(/~~(.+?)~~/g, '$1')
    .replace(/\\([\\`*_{}[\]()#+\-.!|~<>])/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}
