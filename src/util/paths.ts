import path from 'node:path';

/** A path with forward slashes, whatever the platform. */
export function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/**
 * How a run shows a path relative to `root` (the knowledge folder): relative to `cwd`, with
 * forward slashes. Absolute paths are shown relative to `cwd` as well. Memoized: it runs per item.
 */
export function makeDisplay(cwd: string, root: string): (rel: string) => string {
  const prefix = toPosix(path.relative(cwd, root));
  const shown = new Map<string, string>();
  return (rel) => {
    let d = shown.get(rel);
    if (d === undefined) {
      d =
        rel.startsWith('/') || /^[A-Za-z]:/.test(rel)
          ? toPosix(path.relative(cwd, rel))
          : rel.startsWith('../')
            ? // A source recorded under another knowledge folder (src/state/sources.ts).
              toPosix(path.relative(cwd, path.join(root, rel))) || '.'
            : prefix === ''
              ? rel
              : `${prefix}/${rel}`;
      shown.set(rel, d);
    }
    return d;
  };
}
