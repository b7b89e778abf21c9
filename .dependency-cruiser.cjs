/**
 * dependency-cruiser: which way imports may point in src/ (`npm run lint` runs
 * `depcruise -c .dependency-cruiser.cjs src`). docs/architecture.md draws the same picture:
 *
 *   cli ─► report ─► sync ─► push ─► state ─┐
 *    └──► doctor ──┘     └───► plan ──┴─► extract ─► scan ─► floor
 *   floor: src/events.ts, src/errors.ts, src/util/, src/api/types.ts
 *   doctor/ checks a setup the way a sync would meet it: it may use the pipeline (a dry run), the
 *   state, the API client and config, never cli/ or report/, and nothing but cli/ imports it.
 *   config and api/ (client, errors) sit beside the pipeline, on the floor; loop/ and emulator/
 *   serve the loop commands and the tests; src/index.ts (the library) is on top with cli/.
 *
 * Type-only imports count (`tsPreCompilationDeps`): a type is a dependency too.
 */

/**
 * Each layer and what it may import besides itself and the floor (folders under src/). `covered`:
 * targets a rule of its own below already reports (so one wrong import is one error).
 */
const FLOOR = '^src/(events\\.ts|errors\\.ts|util/|api/types\\.ts)';
const layers = [
  { name: 'scan', from: '^src/scan/', may: [], covered: ['extract'] },
  { name: 'extract', from: '^src/extract/', may: ['scan'] },
  { name: 'plan', from: '^src/plan/', may: ['extract', 'scan'] },
  { name: 'state', from: '^src/state/', may: ['extract', 'scan'] },
  { name: 'config', from: '^src/config/', may: [] },
  { name: 'api', from: '^src/api/', may: ['api'] },
  { name: 'push', from: '^src/push/', may: ['state', 'plan', 'extract', 'scan', 'api', 'config'] },
  {
    name: 'sync',
    from: '^src/sync/',
    may: ['push', 'state', 'plan', 'extract', 'scan', 'api', 'config'],
    covered: ['report'],
  },
  { name: 'loop', from: '^src/loop/', may: ['extract'] },
  // doctor/ checks what a sync would meet: a dry run, the state, the API, the config; its result is printed by cli/.
  {
    name: 'doctor',
    from: '^src/doctor/',
    may: ['sync', 'push', 'state', 'plan', 'extract', 'scan', 'api', 'config'],
  },
  { name: 'emulator', from: '^src/emulator/', may: [] },
  // report/ renders a result: the pipeline's types only (checked by report-reads-types-only).
  { name: 'report', from: '^src/report/', may: ['sync', 'push', 'state', 'plan', 'extract', 'scan', 'api', 'config'] },
  { name: 'floor', from: FLOOR, may: [] },
];

const layerRules = layers.map(({ name, from, may, covered = [] }) => ({
  name: `layer-${name}`,
  comment: `${name} may import only ${[...may, 'the floor'].join(', ')} (docs/architecture.md, "Which way imports point")`,
  severity: 'error',
  from: { path: from },
  to: {
    path: '^src/',
    pathNot: [from, FLOOR, ...[...may, ...covered, 'cli'].map((m) => `^src/${m}/`)],
  },
}));

/** Modules that touch the world: the file system, processes, the network, threads. */
const IO_MODULES =
  '^(node:)?(fs|fs/promises|child_process|net|http|https|http2|dgram|dns|dns/promises|tls|worker_threads|cluster)$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycles: each module can be read (and tested) without the ones that import it.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      comment:
        'A module nothing imports and that imports nothing is dead code, or an entry point that belongs in this list.',
      severity: 'error',
      // js-yaml-unused.ts: put in js-yaml's place by the bundle (.esbuild.js).
      from: { orphan: true, pathNot: ['\\.d\\.ts$', '(^|/)\\.[^/]+\\.(c|m)?js$', '^src/extract/js-yaml-unused\\.ts$'] },
      to: {},
    },
    {
      name: 'not-to-cli',
      comment:
        'cli/ is the top: only cli/ itself (and the bin entry, src/cli/main.ts) imports it. The library face (src/index.ts) re-exports the exit-code mapping, so embedders exit as the CLI does.',
      severity: 'error',
      from: { pathNot: '^src/(cli/|index\\.ts$)' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'commands-not-each-other',
      comment: 'A command does not import another command: shared helpers live in a module of their own in src/cli/.',
      severity: 'error',
      from: { path: '^src/cli/commands/([^/]+)\\.ts$' },
      to: { path: '^src/cli/commands/', pathNot: '^src/cli/commands/$1\\.ts$' },
    },
    {
      name: 'sync-not-to-report-or-cli',
      comment: 'The pipeline emits results and events; report/ and cli/ read them, never the other way round.',
      severity: 'error',
      from: { path: '^src/sync/' },
      to: { path: '^src/(report|cli)/' },
    },
    {
      name: 'scan-not-to-extract',
      comment: 'scan/ walks and stats; what a scan finds lives in scan/, and extract/ imports it, not the reverse.',
      severity: 'error',
      from: { path: '^src/scan/' },
      to: { path: '^src/extract/' },
    },
    {
      name: 'sqlite-only-in-state',
      comment: 'The store is sealed: nothing outside src/state/ sees better-sqlite3 (nor its types).',
      severity: 'error',
      from: { pathNot: '^src/state/' },
      to: { path: '(^|/)node_modules/(@types/)?better-sqlite3/' },
    },
    {
      name: 'pure-core-no-io',
      comment:
        'plan/ and extract/ are pure: no file system, processes or network (extract/index.ts, read.ts, documents.ts and the render worker pool are its I/O edge).',
      severity: 'error',
      from: {
        path: '^src/(plan|extract)/',
        pathNot: '^src/extract/(index|read|documents|render-pool|render-worker)\\.ts$',
      },
      to: { dependencyTypes: ['core'], path: IO_MODULES },
    },
    {
      name: 'pure-core-no-io-layers',
      comment: 'plan/ and extract/ reach no API client, state store, emulator or pipeline either.',
      severity: 'error',
      from: { path: '^src/(plan|extract)/' },
      to: { path: '^src/(api/client|api/errors|state/|push/|sync/|emulator/|cli/|report/)' },
    },
    {
      name: 'report-reads-types-only',
      comment: 'report/ renders a result it is given: from the pipeline it imports types, never code.',
      severity: 'error',
      from: { path: '^src/report/' },
      to: { path: '^src/(sync|push|state|plan|extract|scan|api|config)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'zod-mini-only',
      comment:
        'zod/mini (and one locale, English), never classic zod: classic zod, with its 64 locales, was a 755 KB chunk that every sync and plan loaded at start (issue 14). See src/util/zod-english.ts.',
      severity: 'error',
      from: {},
      to: {
        path: '(^|/)node_modules/zod/',
        pathNot: '(^|/)node_modules/zod/(mini/|v4/mini/|v4/core/|v4/locales/(?!index\\.))',
      },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
