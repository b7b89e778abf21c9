import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A small generated knowledge folder: articles, Q&A files, a URL list and documents. */
export function smallCorpus(
  opts: { articles?: number; questions?: number; urls?: number; docs?: number; tag?: string } = {},
): Record<string, string | Uint8Array> {
  const tag = opts.tag ?? 'v1';
  const files: Record<string, string | Uint8Array> = {};
  for (let i = 0; i < (opts.articles ?? 10); i++) {
    files[`guides/topic-${i}.md`] =
      `---\ntitle: Topic ${i}\n---\n\nThis is the guide to topic ${i} (${tag}).\n\n- step one\n- step two\n`;
  }
  const q = opts.questions ?? 10;
  for (const name of ['billing', 'shipping']) {
    files[`faq/${name}.qa.yaml`] = Array.from(
      { length: q },
      (_, i) => `- q: ${name} question number ${i}?\n  a: The ${name} answer ${i} (${tag}).\n`,
    ).join('');
  }
  files['links/list.urls'] =
    `# links\n${Array.from({ length: opts.urls ?? 6 }, (_, i) => `https://example.com/page-${i}`).join('\n')}\n`;
  for (let i = 0; i < (opts.docs ?? 2); i++) files[`docs/sheet-${i}.csv`] = `a,b\n${i},${tag}\n`;
  return files;
}

/**
 * The real corpora (`shared/corpora`, beside the checkout: `../shared/corpora`, or further up for
 * a git worktree kept in a subfolder), or `KB_SYNC_CORPORA`; undefined when there are none (a
 * user's clone): tests that use them skip, saying so.
 */
export function corporaDir(): string | undefined {
  const env = process.env.KB_SYNC_CORPORA;
  if (env) return fs.existsSync(env) ? path.resolve(env) : undefined;
  for (let d = path.dirname(REPO_ROOT); ; d = path.dirname(d)) {
    const c = path.join(d, 'shared', 'corpora');
    if (fs.existsSync(c)) return c;
    if (path.dirname(d) === d) return undefined;
  }
}

/** Why corpus tests are skipped (for `describe.skipIf(...)` titles and the log). */
export const CORPORA_MISSING =
  'skipped: ../shared/corpora is not there (the real corpora sit beside a checkout; set KB_SYNC_CORPORA to point at them)';
