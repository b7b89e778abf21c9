import type { FileIssue } from '../errors.js';
import { questionKey } from '../util/text.js';
import { hashFields } from './hash.js';
import type { ExtractSettings, FileExtract, ItemMeta, Payload } from './types.js';

/** What the Q&A readers (YAML/JSON in qa.ts, CSV in qa-csv.ts) share: entries, keys, checks. */

export interface QaEntry {
  key: string;
  question: string;
  answer: string;
  line: number;
  category?: string;
}

export interface QaResult {
  extract: FileExtract;
  entries: QaEntry[];
}

export type QaSettings = Pick<ExtractSettings, 'maxItemsPerFile' | 'qa'>;

export function qaKey(relPath: string, id: string | undefined, question: string): string {
  return id !== undefined ? `qa:${relPath}#id:${id}` : `qa:${relPath}#q:${questionKey(question)}`;
}

export function qaPayload(e: Pick<QaEntry, 'question' | 'answer'>): Payload {
  return { type: 'Q_AND_A', content: e.question, content_value: e.answer };
}

export function qaHash(e: Pick<QaEntry, 'question' | 'answer'>): string {
  return hashFields(['qa/v1', 'Q_AND_A', e.question, e.answer]);
}

/** A question as it is pushed: on one line. */
export function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Thrown by the readers with where the problem is. */
export class QaProblem extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column?: number,
  ) {
    super(message);
  }
}

/** "one of "question", "q" or "title"". */
export function oneOf(keys: readonly string[]): string {
  const q = keys.map((k) => `"${k}"`);
  return q.length === 1 ? q[0]! : `one of ${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}`;
}

/**
 * Entries as they are read, in order; this checks ids, duplicates and the item limit, and
 * makes the result. Shared by the YAML/JSON and CSV readers.
 */
export class QaCollector {
  readonly entries: QaEntry[] = [];
  drafts = 0;
  readonly #seen = new Map<string, number>();
  constructor(
    readonly relPath: string,
    readonly settings: QaSettings,
  ) {}

  add(e: { question: string; answer: string; id?: string; line: number; column?: number; category?: string }): void {
    const key = qaKey(this.relPath, e.id, e.question);
    const prev = this.#seen.get(key);
    if (prev !== undefined) {
      throw new QaProblem(
        e.id !== undefined
          ? `duplicate id "${e.id}" (also on line ${prev})`
          : `duplicate question (also on line ${prev}): "${truncate(e.question)}"`,
        e.line,
        e.column,
      );
    }
    this.#seen.set(key, e.line);
    this.entries.push({
      key,
      question: e.question,
      answer: e.answer,
      line: e.line,
      ...(e.category ? { category: e.category } : {}),
    });
    if (this.entries.length > this.settings.maxItemsPerFile) {
      throw new QaProblem(
        `more than ${this.settings.maxItemsPerFile} questions in one file (limits.maxItemsPerFile)`,
        e.line,
        e.column,
      );
    }
  }

  result(): QaResult {
    const items: ItemMeta[] = this.entries.map((e) => ({
      key: e.key,
      type: 'Q_AND_A',
      label: e.question,
      hash: qaHash(e),
      line: e.line,
    }));
    const issues: FileIssue[] = [];
    if (items.length === 0 && this.drafts === 0)
      issues.push({ file: this.relPath, line: 1, severity: 'warning', message: 'the file has no questions' });
    return {
      extract: { items, issues, complete: true, ...(this.drafts > 0 ? { draftEntries: this.drafts } : {}) },
      entries: this.entries,
    };
  }
}

export function qaFailure(relPath: string, issue: Omit<FileIssue, 'file' | 'severity'>): QaResult {
  return {
    extract: { items: [], issues: [{ file: relPath, severity: 'error', ...issue }], complete: false },
    entries: [],
  };
}

function truncate(s: string): string {
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
}
