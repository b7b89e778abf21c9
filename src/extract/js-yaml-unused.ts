/**
 * Put in js-yaml's place by the bundle (.esbuild.js). gray-matter loads js-yaml as it
 * loads, for its default YAML engine; kb-sync gives it its own (`yaml`, with alias limits:
 * frontmatter.ts), so js-yaml is never called, and loading it (with esprima, which it loads for
 * `!!js/function`) cost every run that reads a file about 20 ms.
 */
function unused(): never {
  throw new Error('js-yaml is not bundled: frontmatter.ts parses YAML with the yaml package');
}

export const safeLoad = unused;
export const safeDump = unused;
