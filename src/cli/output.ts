import pc from 'picocolors';
import { redactSecrets } from '../util/redact.js';
import { noWorkflowCommands, terminalSafe } from '../util/safe-text.js';

export interface GlobalFlags {
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
}

export interface ProgressHandle {
  update(done: number, total: number): void;
  stop(): void;
}

/**
 * Where everything a command prints goes. Human text goes to stdout, or to stderr when `--json`
 * holds stdout; progress and live status go to stderr, on a TTY only. Every string passes through
 * the redactor, so a workspace token can never reach the terminal or a log; human text then
 * through a backstop that escapes any raw control character a renderer let through (our own
 * colours excepted), and, in GitHub Actions, that keeps any line from starting a workflow command
 * (only `command`, the tool's own annotations, may).
 */
export class Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly tty: boolean;
  readonly color: boolean;
  readonly github: boolean;
  readonly #secrets: string[] = [];
  /**
   * The width tables must fit in: the terminal's columns when human text goes to one, else
   * `COLUMNS` when it is set; undefined (no limit) when piped (scripts should read --json).
   */
  readonly columns: number | undefined;
  readonly #stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly #stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  #live: string | undefined;

  constructor(
    flags: GlobalFlags,
    streams: {
      stdout?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
      stderr?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
    } = {},
    env = process.env,
  ) {
    this.json = flags.json ?? false;
    this.quiet = flags.quiet ?? false;
    this.verbose = (flags.verbose ?? false) && !this.quiet;
    this.#stdout = streams.stdout ?? process.stdout;
    this.#stderr = streams.stderr ?? process.stderr;
    this.tty = Boolean(this.#stderr.isTTY) && env.TERM !== 'dumb';
    this.color = flags.color ?? (pc.isColorSupported && this.tty && !env.NO_COLOR);
    this.github = env.GITHUB_ACTIONS === 'true';
    const human = this.json ? this.#stderr : this.#stdout;
    const envColumns = Number(env.COLUMNS);
    this.columns =
      human.isTTY && human.columns
        ? human.columns
        : Number.isInteger(envColumns) && envColumns > 0
          ? envColumns
          : undefined;
  }

  /** Register a secret to redact from everything printed. */
  addSecret(s: string | undefined): void {
    if (s && s.length >= 4) this.#secrets.push(s);
  }

  redact(s: string): string {
    return redactSecrets(s, this.#secrets);
  }

  get c() {
    return this.color ? pc : pc.createColors(false);
  }

  /** Text for people, as it may be printed: redacted, controls escaped, no workflow command in GitHub Actions. */
  humanText(text: string): string {
    const safe = terminalSafe(this.redact(text), this.color);
    return this.github ? noWorkflowCommands(safe) : safe;
  }

  #write(stream: NodeJS.WritableStream, text: string): void {
    this.#clearLive();
    stream.write(`${this.humanText(text)}\n`);
    this.#redrawLive();
  }

  /** The command's main human output (suppressed by --quiet). */
  info(text: string): void {
    if (this.quiet) return;
    this.#write(this.json ? this.#stderr : this.#stdout, text);
  }

  /** Only with --verbose. */
  detail(text: string): void {
    if (this.verbose) this.#write(this.json ? this.#stderr : this.#stdout, text);
  }

  warn(text: string): void {
    if (this.quiet) return;
    this.#write(this.#stderr, text);
  }

  /** Always shown, on stderr. */
  error(text: string): void {
    this.#write(this.#stderr, text);
  }

  /** The final line: shown even with --quiet (but not with --json, whose document is the result). */
  final(text: string): void {
    this.#write(this.json ? this.#stderr : this.#stdout, text);
  }

  /** A line the tool means as it is, to stdout: machine output (NDJSON, a path). */
  raw(text: string): void {
    this.#clearLive();
    this.#stdout.write(`${this.redact(text)}\n`);
    this.#redrawLive();
  }

  /**
   * One of the tool's own GitHub workflow commands (an annotation), as it is: on stdout, or on
   * stderr with --json (the runner reads both; stdout holds the document alone).
   */
  command(text: string): void {
    this.#clearLive();
    (this.json ? this.#stderr : this.#stdout).write(`${this.redact(text)}\n`);
    this.#redrawLive();
  }

  /**
   * With targets (src/cli/targets.ts): the target being run. Its `--json` documents are kept for
   * the combined document, and the GitHub outputs of its run are handed over instead of written.
   */
  section: { target: string; botId: string | null; documents: unknown[]; outputs?: Record<string, number> } | undefined;

  /** The `--json` document, on stdout (with targets: kept for the target's section). */
  document(value: unknown): void {
    if (this.section) {
      this.section.documents.push(value);
      return;
    }
    this.#clearLive();
    this.#stdout.write(`${this.redact(JSON.stringify(value, null, 2))}\n`);
  }

  // ---------------------------------------------------------------- live status (TTY)

  /** One status line kept at the bottom of a TTY (watch mode); no-op elsewhere. */
  live(text: string | undefined): void {
    if (!this.tty || this.quiet) return;
    this.#clearLive();
    this.#live = text === undefined ? undefined : this.humanText(text);
    this.#redrawLive();
  }

  #clearLive(): void {
    if (this.#live !== undefined && this.tty) this.#stderr.write('\r\x1b[2K');
  }

  #redrawLive(): void {
    if (this.#live !== undefined && this.tty) {
      const cols = this.#stderr.columns ?? 100;
      this.#stderr.write(this.#live.length > cols - 1 ? `${this.#live.slice(0, cols - 2)}…` : this.#live);
    }
  }

  /**
   * A progress bar (items done/total, rate, ETA) on the status line of a TTY; nothing elsewhere.
   * Redrawn at most 8 times a second (and at the end), so that a fast run does not flood the terminal.
   */
  progress(label: string, clock: () => number = () => performance.now()): ProgressHandle {
    if (!this.tty || this.quiet) return { update() {}, stop() {} };
    const startedAt = clock();
    let lastDraw = -Infinity;
    let shown = false;
    return {
      update: (done, total) => {
        const now = clock();
        if (now - lastDraw < 125 && done < total) return;
        lastDraw = now;
        shown = true;
        this.live(progressLine(label, done, total, (now - startedAt) / 1000));
      },
      stop: () => {
        if (shown) this.live(undefined);
        shown = false;
      },
    };
  }
}

/** `Pushing [████████░░░░░░░░░░░░░░░░] 7/21 · 3.5/s · ETA 4s`: one line of a progress bar. */
export function progressLine(label: string, done: number, total: number, seconds: number, width = 24): string {
  const frac = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const full = Math.round(frac * width);
  const rate = seconds > 0 ? done / seconds : 0;
  const eta = rate > 0 ? formatEta(Math.max(0, total - done) / rate) : '…';
  return `${label} [${'█'.repeat(full)}${'░'.repeat(width - full)}] ${done}/${total} · ${rate.toFixed(1)}/s · ETA ${eta}`;
}

function formatEta(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
