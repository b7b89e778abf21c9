import { loadConfig, type ResolvedConfig } from '../config/load.js';
import { exitNow, signalExitCode, type Signal } from './exit.js';
import type { Output } from './output.js';
import { currentTarget, outputFor } from './targets.js';

export interface Context {
  out: Output;
  cfg: ResolvedConfig;
}

/**
 * Output and configuration for a command (configuration errors throw, exit 2): those of the
 * target being run (src/cli/targets.ts), or the configuration file's.
 */
export function loadContext(argv: Record<string, unknown>): Context {
  const given = currentTarget();
  const out = given?.out ?? outputFor(argv);
  const cfg = given?.cfg ?? loadConfig({ configPath: argv.config as string | undefined });
  if (out.verbose) {
    out.detail(
      out.c.dim(
        `config: ${cfg.configFile ?? '(none: defaults)'}${cfg.target ? ` · target: ${cfg.target}` : ''} · api: ${cfg.apiBaseUrl} (${cfg.sources.apiBaseUrl}) · bot: ${cfg.botId ?? '(none)'} (${cfg.sources.botId}) · knowledge: ${cfg.knowledgeDir} · state: ${cfg.stateFile}${cfg.gitState.enabled ? ` · git state: ${cfg.gitState.ref ?? cfg.gitState.refTemplate} on ${cfg.gitState.remote}` : ''}`,
      ),
    );
  }
  return { out, cfg };
}

export interface Interrupt {
  stop: AbortSignal;
  kill: AbortSignal;
  /** The signal received, if any. */
  readonly signal: Signal | undefined;
  dispose(): void;
}

/**
 * Ctrl-C / SIGTERM: the first one stops new work and lets requests in flight finish (for at most
 * `graceMs`, then they are cut); a second one quits at once. In-flight records survive either way.
 */
export function onInterrupt(out: Output, graceMs = 10_000, onFirst?: () => void): Interrupt {
  const stop = new AbortController();
  const kill = new AbortController();
  let received: Signal | undefined;
  const handler = (sig: Signal) => {
    if (received === undefined) {
      received = sig;
      out.warn(
        out.c.yellow(
          `\n${sig}: finishing the requests in flight (up to ${Math.round(graceMs / 1000)} s); press Ctrl-C again to quit at once.`,
        ),
      );
      stop.abort();
      onFirst?.();
      setTimeout(() => kill.abort(), graceMs).unref();
    } else {
      exitNow(signalExitCode(sig));
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    stop: stop.signal,
    kill: kill.signal,
    get signal() {
      return received;
    },
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
