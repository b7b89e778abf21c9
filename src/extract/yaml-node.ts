import { isMap, isScalar, isSeq, type Node } from 'yaml';

/** How a YAML value reads in an error message: "a list", "a number (3)", "\"text…\"". */
export function describeYamlNode(node: Node | null | undefined, max = 60): string {
  if (node === null || node === undefined) return 'an empty value';
  if (isSeq(node)) return 'a list';
  if (isMap(node)) return 'a mapping';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'an empty value';
    if (typeof v === 'number') return `a number (${v})`;
    if (typeof v === 'boolean') return `a boolean (${v})`;
    if (v instanceof Date) return 'a date';
    if (typeof v !== 'string') return 'an unknown value';
    const s = v;
    return `"${s.length > max ? `${s.slice(0, max - 1)}…` : s}"`;
  }
  return 'an unknown value';
}
