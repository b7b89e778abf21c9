import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { buildPayloads } from '../../src/extract/index.js';
import type { ResolvedConfig } from '../../src/config/load.js';
import { extractSettings, stateSkipPaths } from '../../src/sync/settings.js';
import { scanTree } from '../../src/scan/walk.js';
import fs from 'node:fs';
import path from 'node:path';

/** A content identity for comparing what the folder says with what the emulator holds. */
function identity(
  type: string,
  title: string | null | undefined,
  content: string,
  value: string | null | undefined,
): string {
  return JSON.stringify([type, title ?? null, content, value ?? null]);
}

/** Every item the folder should put in the bot, by identity (documents by name and bytes). */
export async function expectedIdentities(cfg: ResolvedConfig): Promise<Map<string, string>> {
  const scan = scanTree({
    root: cfg.knowledgeDir,
    include: cfg.include,
    exclude: cfg.exclude,
    kinds: cfg.kinds,
    skip: stateSkipPaths(cfg.stateFile),
  });
  const out = new Map<string, string>();
  for (const f of scan.files) {
    if (f.kind === 'document') {
      const bytes = fs.readFileSync(f.absPath);
      if (bytes.length === 0) continue;
      out.set(
        identity('DOCUMENT', path.posix.basename(f.relPath), createHash('sha256').update(bytes).digest('hex'), null),
        `document:${f.relPath}`,
      );
      continue;
    }
    const built = await buildPayloads(f, extractSettings(cfg));
    if (!(built instanceof Map)) continue;
    for (const bp of built.values())
      out.set(identity(bp.payload.type, bp.payload.title, bp.payload.content, bp.payload.content_value), bp.key);
  }
  return out;
}

/** What the emulator holds for a bot, as identity → count. */
export function heldIdentities(emu: EmulatorHandle, botId = emu.botId): Map<string, number> {
  const out = new Map<string, number>();
  for (const d of emu.created(botId)) {
    let id: string;
    if (d.type === 'DOCUMENT') {
      const up = emu.world.uploadForUrl(d.content);
      id = identity(
        'DOCUMENT',
        d.title,
        up ? createHash('sha256').update(up.bytes).digest('hex') : `missing:${d.content}`,
        null,
      );
    } else {
      id = identity(d.type, d.title, d.content, d.content_value);
    }
    out.set(id, (out.get(id) ?? 0) + 1);
  }
  return out;
}

/**
 * The sync invariant: every item of the folder is in the bot; an item is there more than once
 * only if it is reported uncertain; anything else in the bot is a reported stale version, or an
 * extra copy of an earlier version that an uncertain entry names (by type and title/question/URL).
 */
export async function expectFolderInBot(
  emu: EmulatorHandle,
  cfg: ResolvedConfig,
  report: {
    uncertainKeys: Iterable<string>;
    staleRemoteIds: Iterable<string | null>;
    uncertain?: readonly { type: string; label: string }[];
  },
): Promise<{ duplicates: number; unaccounted: number }> {
  const expected = await expectedIdentities(cfg);
  const held = heldIdentities(emu);
  const uncertain = new Set(report.uncertainKeys);
  let duplicates = 0;
  for (const [id, key] of expected) {
    const n = held.get(id) ?? 0;
    expect(n, `${key} should be in the bot`).toBeGreaterThanOrEqual(1);
    if (n > 1) {
      duplicates += n - 1;
      expect(uncertain.has(key), `${key} is in the bot ${n} times but not reported uncertain`).toBe(true);
    }
  }
  const staleIds = new Set(report.staleRemoteIds);
  const named = new Set((report.uncertain ?? []).map((u) => `${u.type}\u0000${u.label}`));
  let unaccounted = 0;
  for (const d of emu.created(emu.botId)) {
    const id =
      d.type === 'DOCUMENT'
        ? identity(
            'DOCUMENT',
            d.title,
            createHash('sha256')
              .update(emu.world.uploadForUrl(d.content)?.bytes ?? Buffer.alloc(0))
              .digest('hex'),
            null,
          )
        : identity(d.type, d.title, d.content, d.content_value);
    if (expected.has(id) || staleIds.has(d.id)) continue;
    const label = d.type === 'TEXT' || d.type === 'DOCUMENT' ? (d.title ?? '') : d.content;
    unaccounted++;
    expect(
      named.has(`${d.type}\u0000${label}`),
      `${d.type} "${label}" (${d.id}) is in the bot, not in the folder, not reported stale nor uncertain`,
    ).toBe(true);
  }
  return { duplicates, unaccounted };
}
