import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The benchmark's one table: each case with our time, the reference's time, their ratio, the
 * target, whether it was met, and our peak RSS. Printed by `npm run bench`, and written into
 * docs/performance.md (between its markers) by `npm run bench -- --docs`.
 */

export interface SizeResult {
  files: number;
  megabytes: number;
  coldPlanMs: number;
  readHashMs: number;
  coldPlanRatio: number;
  coldPlanRssMb: number | null;
  noopMs: number;
  gitStatusMs: number;
  noopRatio: number;
  noopRssMb: number | null;
  noopFilesRead: number;
  /** The floor of the no-op: Node, kb-sync's git commands and the state opened (run.ts, FLOOR). */
  floorMs: number;
  floorRatio: number;
  ciNoopMs: number;
  ciGitStatusMs: number;
  ciNoopRatio: number;
  ciNoopRssMb: number | null;
  ciNoopFilesRead: number;
  ciFloorMs: number;
  ciFloorRatio: number;
  oneChangeMs: number;
  oneChangeRatio: number;
  oneChangeRssMb: number | null;
  oneChangePushed: number;
}

export interface PaceResult {
  limit: number;
  configured: number;
  items: number;
  achievedRate: number;
  fractionOfLimit: number;
  rateLimited: number;
  rateLimitedShare: number;
  seconds: number;
}

export interface BenchRow {
  case: string;
  ours: string;
  reference: string;
  ratio: string;
  target: string;
  /** null: no target for this case (context only). */
  met: boolean | null;
  rssMb: number | null;
}

const ms = (x: number) => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x)} ms`);
const times = (x: number) => `${x}×`;
const files = (n: number) => `${n.toLocaleString('en')} files`;

/** A ratio row: the target applies at the listed sizes only (elsewhere the row is context). */
function ratioRow(
  name: string,
  ours: number,
  refName: string,
  ref: number,
  ratio: number,
  limit: number | undefined,
  rssMb: number | null,
): BenchRow {
  return {
    case: name,
    ours: ms(ours),
    reference: `${refName} ${ms(ref)}`,
    ratio: times(ratio),
    target: limit === undefined ? '—' : `≤ ${limit}×`,
    met: limit === undefined ? null : ratio <= limit,
    rssMb,
  };
}

function countRow(name: string, n: number, target: number | undefined): BenchRow {
  return {
    case: name,
    ours: String(n),
    reference: '—',
    ratio: '—',
    target: target === undefined ? '—' : String(target),
    met: target === undefined ? null : n <= target,
    rssMb: null,
  };
}

/** Context under a no-op row: what Node and git alone take (no target; older results lack it). */
function floorRow(floorMs: number | undefined, refName: string, ref: number, ratio: number | undefined): BenchRow[] {
  if (floorMs === undefined || ratio === undefined) return [];
  return [
    ratioRow('  floor: Node + the same git commands + the state opened', floorMs, refName, ref, ratio, undefined, null),
  ];
}

function treeRows(label: string, s: SizeResult, targeted: boolean, big: boolean): BenchRow[] {
  const at = <T>(v: T) => (targeted ? v : undefined);
  const rows = [
    ratioRow(
      `cold plan, ${label}`,
      s.coldPlanMs,
      'read + SHA-256 of every file',
      s.readHashMs,
      s.coldPlanRatio,
      undefined,
      s.coldPlanRssMb,
    ),
    ratioRow(
      `no-op sync, ${label}`,
      s.noopMs,
      '`git status --porcelain`',
      s.gitStatusMs,
      s.noopRatio,
      at(2),
      s.noopRssMb,
    ),
    countRow(`  files read by it`, s.noopFilesRead, at(0)),
    ...floorRow(s.floorMs, '`git status --porcelain`', s.gitStatusMs, s.floorRatio),
    ratioRow(
      `no-op sync in a fresh clone, state restored (CI), ${label}`,
      s.ciNoopMs,
      '`git status` in the clone',
      s.ciGitStatusMs,
      s.ciNoopRatio,
      at(2.5),
      s.ciNoopRssMb,
    ),
    countRow(`  files read by it`, s.ciNoopFilesRead, at(0)),
    ...floorRow(s.ciFloorMs, '`git status` in the clone', s.ciGitStatusMs, s.ciFloorRatio),
    ratioRow(
      `one changed file, ${label}`,
      s.oneChangeMs,
      'the no-op',
      s.noopMs,
      s.oneChangeRatio,
      big ? 1.2 : undefined,
      s.oneChangeRssMb,
    ),
  ];
  if (big && s.coldPlanRssMb !== null) {
    rows.push({
      case: `peak RSS of the cold plan, ${label}`,
      ours: `${s.coldPlanRssMb} MB`,
      reference: '—',
      ratio: '—',
      target: '≤ 300 MB',
      met: s.coldPlanRssMb <= 300,
      rssMb: s.coldPlanRssMb,
    });
  }
  return rows;
}

export function benchRows(r: Record<string, unknown>): BenchRow[] {
  const rows: BenchRow[] = [];
  const trees = (r.trees ?? {}) as Record<string, SizeResult>;
  for (const [n, s] of Object.entries(trees)) {
    const size = Number(n);
    rows.push(...treeRows(files(size), s, size >= 20_000, size >= 100_000));
  }
  const a10 = r.articles10k as
    { coldPlanMs: number; readHashMs: number; coldPlanRatio: number; coldPlanRssMb: number | null } | undefined;
  if (a10) {
    rows.push(
      ratioRow(
        'cold plan, 10,000 articles',
        a10.coldPlanMs,
        'read + SHA-256 of every file',
        a10.readHashMs,
        a10.coldPlanRatio,
        4,
        a10.coldPlanRssMb,
      ),
    );
  }
  const corpus = r.corpus as SizeResult | { skipped: string } | undefined;
  if (corpus && !('skipped' in corpus))
    rows.push(...treeRows(`real docs (${files(corpus.files)})`, corpus, false, false));
  const pace = r.pace as { known: PaceResult; unknown: PaceResult } | undefined;
  if (pace) {
    for (const [name, p, min, max429] of [
      ['push pace, limit known (20/s configured, server 20/s)', pace.known, 0.95, 0],
      ['push pace, limit unknown (50/s configured, server 20/s)', pace.unknown, 0.8, 0.02],
    ] as const) {
      rows.push({
        case: name,
        ours: `${p.achievedRate}/s, ${p.rateLimited} × 429`,
        reference: `server limit ${p.limit}/s`,
        ratio: `${Math.round(p.fractionOfLimit * 100)}%`,
        target: max429 === 0 ? `≥ ${min * 100}%, no 429` : `≥ ${min * 100}%, < ${max429 * 100}% 429`,
        met: p.fractionOfLimit >= min && (max429 === 0 ? p.rateLimited === 0 : p.rateLimitedShare < max429),
        rssMb: null,
      });
    }
  }
  const hostile = (r.hostile ?? []) as { what: string; ms: number; limitMs: number }[];
  for (const h of hostile) {
    rows.push({
      case: `hostile input: ${h.what} (best of 3)`,
      ours: ms(h.ms),
      reference: '—',
      ratio: '—',
      target: `< ${ms(h.limitMs)}`,
      met: h.ms < h.limitMs,
      rssMb: null,
    });
  }
  rows.push(...renderRows(r.render));
  const help = r.help as { medianMs: number; nodeStartupMs: number } | undefined;
  if (help) {
    rows.push({
      case: '`kb-sync --help` (median of 11)',
      ours: ms(help.medianMs),
      reference: `\`node -e 0\` ${ms(help.nodeStartupMs)}`,
      ratio: times(Math.round((help.medianMs / help.nodeStartupMs) * 100) / 100),
      target: '< 150 ms',
      met: help.medianMs < 150,
      rssMb: null,
    });
  }
  return rows;
}

/** The real docs-large corpus: render per page, and its first sync (issue 14's render targets). */
function renderRows(render: unknown): BenchRow[] {
  if (!render || typeof render !== 'object') return [];
  const none = { reference: '—', ratio: '—', rssMb: null };
  if ('skipped' in render)
    return [{ case: 'render of docs-large', ours: 'skipped', ...none, target: String(render.skipped), met: null }];
  const x = render as {
    pages: number;
    medianMs: number;
    maxMs: number;
    maxFile: string;
    firstSync: { items: number; seconds: number; itemsPerSecond: number; rssMb: number | null };
  };
  const f = x.firstSync;
  return [
    {
      case: `render of docs-large, median per page (${x.pages.toLocaleString('en')} pages, CPU time)`,
      ours: `${x.medianMs} ms`,
      ...none,
      target: '≤ 5 ms',
      met: x.medianMs <= 5,
    },
    {
      case: `render of docs-large, slowest page (${x.maxFile})`,
      ours: `${x.maxMs} ms`,
      ...none,
      target: '≤ 100 ms',
      met: x.maxMs <= 100,
    },
    {
      case: `first sync of docs-large into the emulator at 1,000 requests/s (${f.items.toLocaleString('en')} items)`,
      ours: `${f.itemsPerSecond} items/s`,
      reference: `${f.seconds} s`,
      ratio: '—',
      target: '≥ 150 items/s, ≤ 300 MB',
      met: f.itemsPerSecond >= 150 && (f.rssMb ?? 0) <= 300,
      rssMb: f.rssMb,
    },
  ];
}

const HEAD = ['case', 'ours', 'reference', 'ratio', 'target', 'met', 'peak RSS'];

function cells(r: BenchRow): string[] {
  return [
    r.case,
    r.ours,
    r.reference,
    r.ratio,
    r.target,
    r.met === null ? '' : r.met ? 'met' : 'MISSED',
    r.rssMb === null ? '' : `${r.rssMb} MB`,
  ];
}

export function textTable(rows: readonly BenchRow[]): string {
  const all = [HEAD, ...rows.map(cells)];
  const widths = HEAD.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(HEAD), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

export function markdownTable(rows: readonly BenchRow[]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  const line = (row: string[]) => `| ${row.map(esc).join(' | ')} |`;
  return [line(HEAD), `|${HEAD.map(() => '---').join('|')}|`, ...rows.map((r) => line(cells(r)))].join('\n');
}

/** The machine's 1-minute load average at the start and end of the run ("?" when not recorded). */
export function loadText(load: readonly number[] | undefined): string {
  return load && load.length > 0 ? load.map((l) => l.toFixed(1)).join(' → ') : '?';
}

const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

/**
 * Put the table (and the machine it came from) between the markers of docs/performance.md;
 * the rest of the page is left as written.
 */
export function writePerformancePage(
  rows: readonly BenchRow[],
  m: {
    cpu: string;
    cores: number;
    memoryGb: number;
    node: string;
    git: string;
    platform: string;
    date: string;
    command: string;
    load?: readonly number[];
  },
  file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/performance.md'),
): string {
  const block = [
    START,
    '',
    `Measured with \`${m.command}\` on ${m.date.slice(0, 10)}: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, Node ${m.node}, ${m.git}, ${m.platform}; load average ${loadText(m.load)}.`,
    '',
    markdownTable(rows),
    '',
    END,
  ].join('\n');
  const page = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : `# Performance\n\n${START}\n${END}\n`;
  const a = page.indexOf(START);
  const b = page.indexOf(END);
  const next =
    a >= 0 && b > a ? `${page.slice(0, a)}${block}${page.slice(b + END.length)}` : `${page.trimEnd()}\n\n${block}\n`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, next);
  return file;
}
