/**
 * `kb-sync doctor`'s result: one check per line, each with a status and, when something is to be
 * done, a fix. Only `fail` means `sync` cannot work as things are (the CLI exits 2, decided in
 * src/cli/exit.ts); `warn` is worth a look.
 */

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'info' | 'skip';

export type Section = 'config' | 'folder' | 'api' | 'bot' | 'shapes' | 'readings' | 'state' | 'chat';

/** The order sections are shown in (checks keep their order within a section). */
export const SECTIONS: readonly Section[] = ['config', 'folder', 'api', 'bot', 'shapes', 'readings', 'state', 'chat'];

export const SECTION_TITLES: Record<Section, string> = {
  config: 'Configuration',
  folder: 'Knowledge folder',
  api: 'API',
  bot: 'Bot',
  shapes: 'Response shapes',
  readings: 'How this server reads the document',
  state: 'State',
  chat: 'Chat',
};

export interface Check {
  /** Stable name, for scripts: `config.file`, `api.token`, `shape.GET /customer-list`, … */
  id: string;
  section: Section;
  status: CheckStatus;
  /** One line: what was found. */
  title: string;
  /** What to do about it (for `warn` and `fail`). */
  fix?: string;
  /** More lines (file errors, field differences), shown under the check. */
  details?: string[];
  /** The same facts as data, for `--json`. */
  data?: Record<string, unknown>;
}

export interface DoctorReport {
  /** True when nothing failed: `sync` has what it needs. */
  ready: boolean;
  counts: Record<CheckStatus, number>;
  checks: Check[];
}

/** Collects checks as they are made. */
export class Checks {
  readonly list: Check[] = [];

  add(c: Check): Check {
    this.list.push(c);
    return c;
  }

  ok(section: Section, id: string, title: string, more: Partial<Check> = {}): Check {
    return this.add({ id, section, status: 'ok', title, ...more });
  }

  info(section: Section, id: string, title: string, more: Partial<Check> = {}): Check {
    return this.add({ id, section, status: 'info', title, ...more });
  }

  warn(section: Section, id: string, title: string, fix: string | undefined, more: Partial<Check> = {}): Check {
    return this.add({ id, section, status: 'warn', title, ...(fix ? { fix } : {}), ...more });
  }

  fail(section: Section, id: string, title: string, fix: string | undefined, more: Partial<Check> = {}): Check {
    return this.add({ id, section, status: 'fail', title, ...(fix ? { fix } : {}), ...more });
  }

  skip(section: Section, id: string, title: string, more: Partial<Check> = {}): Check {
    return this.add({ id, section, status: 'skip', title, ...more });
  }

  report(): DoctorReport {
    const counts: Record<CheckStatus, number> = { ok: 0, warn: 0, fail: 0, info: 0, skip: 0 };
    for (const c of this.list) counts[c.status]++;
    const ready = counts.fail === 0;
    const checks = SECTIONS.flatMap((s) => this.list.filter((c) => c.section === s));
    return { ready, counts, checks };
  }
}
