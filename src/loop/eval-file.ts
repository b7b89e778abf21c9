import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import { describeYamlNode } from '../extract/yaml-node.js';
import type { FileIssue } from '../errors.js';
import type { EvalCase } from './score.js';
import { oneLine } from './words.js';

/**
 * Eval files (`evals.yaml`): a list of cases, or a mapping whose `evals` key holds that list.
 *
 * ```yaml
 * - id: growth-price            # optional; default file:line
 *   question: How much is the Growth plan?
 *   expect: Growth costs $29 a month and includes 1,000 labels.   # optional
 *   must_include: ["$29", "1,000 labels"]                         # optional
 * ```
 *
 * A case needs a question and at least one of `expect` and `must_include`. Unknown keys are
 * errors (a typo must not silently check nothing). Errors are located `file:line:column`.
 */

export const EVAL_KEYS = ['id', 'question', 'expect', 'must_include'] as const;
const MAX_ISSUES = 20;

export interface EvalFileResult {
  cases: EvalCase[];
  /** Errors, located. When there is any, `cases` is empty. */
  issues: FileIssue[];
}

class EntryError extends Error {
  constructor(
    message: string,
    readonly node: Node | Pair | null | undefined,
  ) {
    super(message);
  }
}

export function parseEvalFile(text: string, file: string): EvalFileResult {
  const lc = new LineCounter();
  const at = (node: Node | Pair | null | undefined): { line: number; column: number } => {
    const range =
      node && 'range' in node ? node.range : node && 'key' in node ? (node.key as Node | null)?.range : undefined;
    const pos = range ? lc.linePos(range[0]) : { line: 1, col: 1 };
    return { line: pos.line, column: pos.col };
  };
  const issue = (message: string, node?: Node | Pair | null): FileIssue => ({
    file,
    ...at(node),
    severity: 'error',
    message,
  });
  const fail = (issues: FileIssue[]): EvalFileResult => ({ cases: [], issues });

  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const doc = parseDocument(body, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const err = doc.errors[0];
  if (err) {
    // With `prettyErrors: false`, yaml leaves `linePos` unset: locate the error from its offset.
    const pos = err.linePos?.[0] ?? (err.pos ? lc.linePos(err.pos[0]) : undefined);
    const msg =
      err.code === 'MULTIPLE_DOCS'
        ? 'the file holds more than one YAML document (a second "---"); keep all cases in one list'
        : `invalid YAML: ${(err.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`;
    return fail([{ file, line: pos?.line ?? 1, ...(pos ? { column: pos.col } : {}), severity: 'error', message: msg }]);
  }
  if (doc.contents !== null && hasAlias(doc.contents)) {
    return fail([issue('YAML aliases (*name) are not supported in eval files; write each case out', doc.contents)]);
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) {
    return fail([{ file, line: 1, severity: 'error', message: 'the file has no cases' }]);
  }
  let list: Node | null = root;
  if (isMap(root)) {
    const extra = root.items.filter((p) => !(isScalar(p.key) && p.key.value === 'evals'));
    if (!root.has('evals')) return fail([issue('expected a list of cases, or a mapping with an "evals" list', root)]);
    if (extra.length > 0)
      return fail([
        issue(`unknown key "${keyName(extra[0] as Pair)}" (a file's only top-level key is "evals")`, extra[0]),
      ]);
    list = root.get('evals', true) as Node | null;
  }
  if (!isSeq(list))
    return fail([
      issue('expected a list of cases (each with "question" and "expect" or "must_include")', list ?? root),
    ]);

  const issues: FileIssue[] = [];
  const cases: EvalCase[] = [];
  const ids = new Map<string, number>();
  for (const raw of list.items) {
    if (issues.length >= MAX_ISSUES) break;
    const node = raw as Node | null;
    try {
      cases.push(parseCase(node, at(node).line, ids, file));
    } catch (e) {
      if (!(e instanceof EntryError)) throw e;
      issues.push(issue(e.message, e.node));
    }
  }
  if (issues.length > 0) return fail(issues);
  if (cases.length === 0) return fail([{ file, line: 1, severity: 'error', message: 'the file has no cases' }]);
  return { cases, issues: [] };
}

function text_(parent: YAMLMap, name: string, required: boolean): string | undefined {
  if (!parent.has(name)) {
    if (required) throw new EntryError(`"${name}" is missing`, parent);
    return undefined;
  }
  const n = parent.get(name, true) as Node | null;
  if (n === null || n === undefined || (isScalar(n) && n.value === null))
    throw new EntryError(`"${name}" is empty`, n ?? parent);
  if (!isScalar(n) || (typeof n.value !== 'string' && typeof n.value !== 'number'))
    throw new EntryError(`"${name}" must be text, not ${describeYamlNode(n, 40)}`, n);
  const s = String(n.value).trim();
  if (s === '') throw new EntryError(`"${name}" is empty`, n);
  return s;
}

function phrases(parent: YAMLMap): string[] {
  if (!parent.has('must_include')) return [];
  const n = parent.get('must_include', true) as Node | null;
  if (n === null || n === undefined || (isScalar(n) && n.value === null))
    throw new EntryError('"must_include" is empty', n ?? parent);
  if (isScalar(n)) return [text_(parent, 'must_include', true) as string];
  if (!isSeq(n)) throw new EntryError(`"must_include" must be a list of phrases, not ${describeYamlNode(n, 40)}`, n);
  const out: string[] = [];
  for (const item of n.items) {
    const it = item as Node | null;
    if (!isScalar(it) || (typeof it.value !== 'string' && typeof it.value !== 'number')) {
      throw new EntryError(`each phrase of "must_include" must be text, not ${describeYamlNode(it, 40)}`, it ?? n);
    }
    const p = oneLine(String(it.value));
    if (p === '') throw new EntryError('a phrase of "must_include" is empty', it);
    out.push(p);
  }
  if (out.length === 0) throw new EntryError('"must_include" is an empty list', n);
  return out;
}

/** One case of the list; an `EntryError` (located) when it is wrong. */
function parseCase(node: Node | null, line: number, ids: Map<string, number>, file: string): EvalCase {
  if (!isMap(node))
    throw new EntryError(
      `each case must be a mapping with "question" and "expect" or "must_include", not ${describeYamlNode(node, 40)}`,
      node,
    );
  for (const p of node.items) {
    const k = keyName(p);
    if (!(EVAL_KEYS as readonly string[]).includes(k)) {
      const hint =
        k === 'answer' || k === 'expected' || k === 'a'
          ? ' (did you mean "expect"?)'
          : k === 'q'
            ? ' (did you mean "question"?)'
            : k === 'must-include' || k === 'mustInclude'
              ? ' (did you mean "must_include"?)'
              : '';
      throw new EntryError(`unknown key "${k}"${hint}; allowed: ${EVAL_KEYS.join(', ')}`, p);
    }
  }
  const question = text_(node, 'question', true) as string;
  const expect = text_(node, 'expect', false);
  const mustInclude = phrases(node);
  if (expect === undefined && mustInclude.length === 0) {
    throw new EntryError(
      'nothing to check: give "expect" (the expected answer), "must_include" (phrases), or both',
      node,
    );
  }
  let id: string | undefined;
  if (node.has('id')) {
    const idNode = node.get('id', true) as Node | null;
    if (!isScalar(idNode) || (typeof idNode.value !== 'string' && typeof idNode.value !== 'number'))
      throw new EntryError('"id" must be a string', idNode ?? node);
    id = String(idNode.value).trim();
    if (id === '') throw new EntryError('"id" is empty', idNode);
    const prev = ids.get(id);
    if (prev !== undefined) throw new EntryError(`duplicate id "${id}" (also on line ${prev})`, idNode);
    ids.set(id, line);
  }
  return {
    id: id ?? `${file}:${line}`,
    question,
    ...(expect !== undefined ? { expect } : {}),
    mustInclude,
    source: `${file}:${line}`,
  };
}

function keyName(p: Pair): string {
  return isScalar(p.key) ? String(p.key.value) : String(p.key);
}

function hasAlias(node: unknown): boolean {
  if (isAlias(node)) return true;
  if (isMap(node)) return node.items.some((p) => hasAlias(p.key) || hasAlias(p.value));
  if (isSeq(node)) return node.items.some((i) => hasAlias(i));
  return false;
}
