import path from 'node:path';
import type { ResolvedConfig } from '../config/load.js';
import { toPosix } from '../util/paths.js';
import type { ExtractSettings } from '../extract/types.js';

/** What the configuration says about reading files, for the extract stage. */
export function extractSettings(cfg: ResolvedConfig): ExtractSettings {
  return {
    markdownFormat: cfg.markdown.format,
    ...(cfg.markdown.baseUrl ? { markdownBaseUrl: cfg.markdown.baseUrl } : {}),
    ...(cfg.markdown.jsx ? { jsx: cfg.markdown.jsx } : {}),
    qa: cfg.qa,
    maxTextBytes: cfg.limits.maxTextBytes,
    maxItemsPerFile: cfg.limits.maxItemsPerFile,
    maxDocumentBytes: cfg.documents.maxBytes,
  };
}

/** Everything that changes what a file yields: when it changes, every file is read again. */
export function extractFingerprint(cfg: ResolvedConfig): string {
  return JSON.stringify({
    v: 1,
    kinds: cfg.kinds,
    include: cfg.include,
    exclude: cfg.exclude,
    s: extractSettings(cfg),
  });
}

/** The state file and its SQLite siblings: never knowledge, even when they sit in the folder. */
export function stateSkipPaths(stateFile: string): string[] {
  return [stateFile, `${stateFile}-wal`, `${stateFile}-shm`, `${stateFile}-journal`];
}

/** The knowledge folder as the state records it: relative to the state file's folder, POSIX. */
export function knowledgeDirKey(cfg: Pick<ResolvedConfig, 'stateFile' | 'knowledgeDir'>): string {
  return toPosix(path.relative(path.dirname(cfg.stateFile), cfg.knowledgeDir)) || '.';
}
