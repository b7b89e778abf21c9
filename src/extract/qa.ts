import {
  parseDocument,
  isMap,
  isSeq,
  isScalar,
  isAlias,
  type Node,
  type YAMLMap,
  type Document,
  LineCounter,
  type Pair,
} from 'yaml';
import { describeYamlNode } from './yaml-node.js';
import type { FileIssue } from '../errors.js';
import { questionKey } from '../util/text.js';
import { hashFields } from './hash.js';
import type { FileExtract, ItemMeta, Payload, ExtractSettings } from './types.js';

/**
 * Q&A files (YAML → one `Q_AND_A` item per question). A list of entries, or a mapping whose
 * `questions` key holds that list. An entry is `{question|q, answer|a, id?, draft?}` or a group
 * `{category|title, questions: [...]}` one level deep. Any error fails the whole file, so a
 * half-read file never turns its other entries stale.
 */

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

const MAX_ALIAS = 50;

export function qaKey(relPath: string, id: string | undefined, question: string): string {
  return id !== undefined ? `qa:${relPath}#id:${id}` : `qa:${relPath}#q:${questionKey(question)}`;
}

export function qaPayload(e: Pick<QaEntry, 'question' | 'answer'>): Payload {
  return { type: 'Q_AND_A', content: e.question, content_value: e.answer };
}

export function qaHash(e: Pick<QaEntry, 'question' | 'answer'>): string {
  return hashFields(['qa/v1', 'Q_AND_A', e.question, e.answer]);
}

class QaError extends Error {
  constructor(
    message: string,
    readonly node: Node | Pair | null | undefined,
  ) {
    super(message);
  }
}

export function extractQa(text: string, relPath: string, settings: Pick<ExtractSettings, 'maxItemsPerFile'>): QaResult {
  const lc = new LineCounter();
  const where = (node: Node | Pair | null | undefined): { line: number; column: number } => {
    const range =
      node && 'range' in node ? node.range : node && 'key' in node ? (node.key as Node | null)?.range : undefined;
    const pos = range ? lc.linePos(range[0]) : { line: 1, col: 1 };
    return { line: pos.line, column: pos.col };
  };
  const fail = (issue: FileIssue): QaResult => ({
    extract: { items: [], issues: [issue], complete: false },
    entries: [],
  });

  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  } catch (e) {
    return fail({
      file: relPath,
      line: 1,
      severity: 'error',
      message: `invalid YAML: ${(e as Error).message.split('\n')[0]}`,
    });
  }
  const err = doc.errors[0];
  if (err) {
    // With `prettyErrors: false`, yaml leaves `linePos` unset: locate the error from its offset.
    const pos = err.linePos?.[0] ?? (err.pos ? lc.linePos(err.pos[0]) : undefined);
    const msg =
      err.code === 'MULTIPLE_DOCS'
        ? 'the file holds more than one YAML document (a second "---"); keep all entries in one list'
        : `invalid YAML: ${err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`;
    return fail({
      file: relPath,
      line: pos?.line ?? 1,
      ...(pos ? { column: pos.col } : {}),
      severity: 'error',
      message: msg,
    });
  }

  // Count alias expansions over the whole walk: an alias bomb is refused, never expanded.
  let aliasBudget = MAX_ALIAS;
  const deref = (node: unknown): Node | null => {
    let n = node as Node | null;
    for (let hops = 0; n && isAlias(n); hops++) {
      if (--aliasBudget < 0 || hops > 10) throw new QaError(`too many YAML aliases (more than ${MAX_ALIAS})`, n);
      n = n.resolve(doc) as Node | null;
    }
    return n ?? null;
  };

  try {
    const root = deref(doc.contents);
    if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) {
      return {
        extract: {
          items: [],
          issues: [{ file: relPath, line: 1, severity: 'warning', message: 'the file has no questions' }],
          complete: true,
        },
        entries: [],
      };
    }
    let list: Node | null;
    if (isSeq(root)) list = root;
    else if (isMap(root) && root.has('questions')) list = deref(root.get('questions', true));
    else throw new QaError('expected a list of questions, or a mapping with a "questions" list', root);
    if (!isSeq(list)) throw new QaError('"questions" must be a list', list);

    const entries: QaEntry[] = [];
    let drafts = 0;
    const seen = new Map<string, number>();
    const visit = (items: readonly unknown[], category: string | undefined, depth: number) => {
      for (const raw of items) {
        const node = deref(raw);
        if (!isMap(node)) {
          throw new QaError(
            `each entry must be a mapping with "question" and "answer", not ${describeYamlNode(node)}`,
            node ?? (raw as Node),
          );
        }
        const group = pick(node, ['category', 'title']);
        if (node.has('questions')) {
          if (depth > 0) throw new QaError('groups can be nested only one level deep', node);
          const inner = deref(node.get('questions', true));
          if (!isSeq(inner)) throw new QaError('"questions" of a group must be a list', inner ?? node);
          const name = group ? scalarText(group.value, 'category') : undefined;
          visit(inner.items, name, depth + 1);
          continue;
        }
        const q = pick(node, ['question', 'q']);
        const a = pick(node, ['answer', 'a']);
        const draft = node.get('draft');
        if (draft !== undefined && typeof draft !== 'boolean')
          throw new QaError('"draft" must be true or false', node.get('draft', true));
        if (draft === true) {
          drafts++;
          continue;
        }
        if (!q) throw new QaError('question is missing', node);
        if (!a) throw new QaError(`answer is missing`, node);
        const question = scalarText(q.value, q.name);
        const answer = scalarText(a.value, a.name);
        let id: string | undefined;
        const idNode = deref(node.get('id', true));
        if (idNode !== null && node.has('id')) {
          if (!isScalar(idNode) || (typeof idNode.value !== 'string' && typeof idNode.value !== 'number')) {
            throw new QaError('"id" must be a string', idNode);
          }
          id = String(idNode.value).trim();
          if (id === '') throw new QaError('"id" is empty', idNode);
        }
        const key = qaKey(relPath, id, question);
        // An entry written as an alias (`- *x`) is located where the alias is, not at its anchor.
        const line = where(isAlias(raw) ? raw : node).line;
        const prev = seen.get(key);
        if (prev !== undefined) {
          throw new QaError(
            id !== undefined
              ? `duplicate id "${id}" (also on line ${prev})`
              : `duplicate question (also on line ${prev}): "${truncate(question)}"`,
            isAlias(raw) ? raw : node,
          );
        }
        seen.set(key, line);
        entries.push({ key, question, answer, line, ...(category ? { category } : {}) });
        if (entries.length > settings.maxItemsPerFile) {
          throw new QaError(
            `more than ${settings.maxItemsPerFile} questions in one file (limits.maxItemsPerFile)`,
            node,
          );
        }
      }
    };
    visit(list.items, undefined, 0);

    const items: ItemMeta[] = entries.map((e) => ({
      key: e.key,
      type: 'Q_AND_A',
      label: e.question,
      hash: qaHash(e),
      line: e.line,
    }));
    const issues: FileIssue[] = [];
    if (items.length === 0 && drafts === 0)
      issues.push({ file: relPath, line: 1, severity: 'warning', message: 'the file has no questions' });
    return { extract: { items, issues, complete: true, ...(drafts > 0 ? { draftEntries: drafts } : {}) }, entries };
  } catch (e) {
    if (e instanceof QaError) {
      const pos = where(e.node);
      return fail({ file: relPath, line: pos.line, column: pos.column, severity: 'error', message: e.message });
    }
    return fail({
      file: relPath,
      line: 1,
      severity: 'error',
      message: `could not read the file: ${(e as Error).message.split('\n')[0]}`,
    });
  }

  function pick(map: YAMLMap, names: string[]): { name: string; value: Node | null } | undefined {
    const found = names.filter((n) => map.has(n));
    if (found.length > 1) throw new QaError(`use either "${found[0]}" or "${found[1]}", not both`, map);
    const name = found[0];
    if (name === undefined) return undefined;
    return { name, value: deref(map.get(name, true)) };
  }

  function scalarText(node: Node | null, name: string): string {
    const label = name === 'q' ? 'question' : name === 'a' ? 'answer' : name;
    if (node === null || (isScalar(node) && node.value === null)) throw new QaError(`${label} is empty`, node);
    if (!isScalar(node) || typeof node.value !== 'string')
      throw new QaError(`${label} must be text, not ${describeYamlNode(node)}`, node);
    const s = node.value.trim();
    if (s === '') throw new QaError(`${label} is empty`, node);
    return s;
  }
}

function truncate(s: string): string {
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
}
