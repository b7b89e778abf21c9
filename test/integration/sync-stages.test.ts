import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import type { SyncEvents } from '../../src/events.js';
import { StateStore } from '../../src/state/store.js';
import type { RunContext, RunOptions } from '../../src/sync/context.js';
import { extractSettings } from '../../src/sync/settings.js';
import type { ApplyInput } from '../../src/sync/stages/apply.js';
import { applyAdopt } from '../../src/sync/stages/apply-adopt.js';
import { applyDryRun } from '../../src/sync/stages/apply-dry-run.js';
import { applyPush } from '../../src/sync/stages/apply-push.js';
import { extractFiles } from '../../src/sync/stages/extract.js';
import { collectExtracts, planStage } from '../../src/sync/stages/plan.js';
import { selectFiles } from '../../src/sync/stages/select.js';
import { Stopwatch } from '../../src/sync/stopwatch.js';
import { makeDisplay } from '../../src/util/paths.js';
import { emulator } from '../helpers/emulator.js';
import { project, type Project } from '../helpers/project.js';

/**
 * The stages one by one on a real folder, a real state file and the emulator on loopback:
 * select → extract → plan, then each apply strategy, checked against the state and the bot.
 */

const files = {
  'guides/a.md': '---\ntitle: Alpha\n---\n\nAlpha body.\n',
  'guides/b.md': '---\ntitle: Beta\n---\n\nBeta body.\n',
  'faq/help.qa.yaml': '- q: How do I pay?\n  a: By card.\n- q: Can I return it?\n  a: Within 30 days.\n',
};

/** Run the stages up to the plan, with the store open (the caller closes it). */
async function stagesToPlan(
  p: Project,
  emu: EmulatorHandle,
  extra: Partial<RunOptions> = {},
): Promise<{ ctx: RunContext; input: ApplyInput; phases: string[] }> {
  const cfg = { ...loadConfig({ configPath: path.join(p.dir, 'sync.config.json'), env: {} }), apiBaseUrl: emu.url };
  const phases: string[] = [];
  const events: SyncEvents = { phase: (ph) => phases.push(ph) };
  const opts: RunOptions = { config: cfg, botId: emu.botId, dryRun: false, token: emu.token, cwd: p.dir, ...extra };
  const ctx: RunContext = {
    opts,
    cfg,
    botId: emu.botId,
    store: StateStore.open(cfg.stateFile),
    lock: undefined,
    settings: extractSettings(cfg),
    events,
    display: makeDisplay(p.dir, cfg.knowledgeDir),
    clock: new Stopwatch(),
  };
  const sel = await selectFiles(ctx);
  const results = await extractFiles(ctx, sel.dirty);
  const planned = planStage(ctx, sel, collectExtracts(results));
  return { ctx, input: { sel, results, planned, issues: [...sel.scan.issues, ...planned.issues] }, phases };
}

async function pushOnce(p: Project, emu: EmulatorHandle) {
  const { ctx, input } = await stagesToPlan(p, emu);
  try {
    return await applyPush(ctx, input);
  } finally {
    ctx.store.close();
  }
}

const posts = (emu: EmulatorHandle) => emu.stats().byEndpoint['POST /bot-data'] ?? 0;

describe('select, extract and plan on a real folder', () => {
  it('a first run reads every file and plans every item; after a push, an unchanged folder reads nothing', async () => {
    const emu = await emulator();
    const p = project(files);
    const first = await stagesToPlan(p, emu);
    expect(first.input.sel.dirty.map((f) => f.relPath)).toEqual(['faq/help.qa.yaml', 'guides/a.md', 'guides/b.md']);
    expect(first.input.planned.plan.create).toHaveLength(4);
    expect(first.phases).toEqual(['scan', 'read', 'plan', 'plan']);
    await applyPush(first.ctx, first.input);
    first.ctx.store.close();
    const again = await stagesToPlan(p, emu);
    expect(again.input.sel.dirty).toEqual([]);
    expect(again.input.results).toEqual([]);
    expect(again.input.planned.plan.create).toEqual([]);
    again.ctx.store.close();
  });
});

describe('the push strategy', () => {
  it('pushes, records, and makes the next run a no-op', async () => {
    const emu = await emulator();
    const p = project(files);
    const applied = await pushOnce(p, emu);
    expect(applied.counts).toMatchObject({ create: 4, update: 0, stale: 0, failed: 0 });
    expect(applied.requests).toBe(4);
    expect(emu.created(emu.botId)).toHaveLength(4);
    const store = StateStore.open(path.join(p.dir, '.kb-sync/state.db'), { readonly: true });
    expect(store.itemCount(emu.botId)).toBe(4);
    expect(store.runs(emu.botId, 1)[0]).toMatchObject({ command: 'sync', status: 'ok', counts: { create: 4 } });
    expect([...store.loadFiles(emu.botId).values()].every((f) => f.synced && f.sig !== null)).toBe(true);
    store.close();
    const before = posts(emu);
    const next = await pushOnce(p, emu);
    expect(next.counts).toMatchObject({ create: 0, unchanged: 4 });
    expect(posts(emu)).toBe(before);
  });

  it('a reworded question turns the old one stale only once the new one is in the bot', async () => {
    const emu = await emulator();
    const p = project(files);
    await pushOnce(p, emu);
    p.write({
      'faq/help.qa.yaml': '- q: How can I pay?\n  a: By card.\n- q: Can I return it?\n  a: Within 30 days.\n',
    });
    emu.setFaults({ schedule: [{ endpoint: 'POST /bot-data', at: 1, times: 0, fault: 'error', status: 400 }] });
    const failed = await pushOnce(p, emu);
    expect(failed.counts).toMatchObject({ create: 0, failed: 1, stale: 0 });
    expect(failed.items.filter((i) => i.status === 'stale')).toEqual([]);
    let store = StateStore.open(path.join(p.dir, '.kb-sync/state.db'), { readonly: true });
    expect(store.stale(emu.botId)).toEqual([]);
    // The old key stays mapped to the file (so it can still turn stale), and the file is not trusted as synced.
    const keys = store.fileKeys(emu.botId, ['faq/help.qa.yaml']).get('faq/help.qa.yaml') ?? [];
    expect(keys).toHaveLength(3);
    expect(store.loadFiles(emu.botId).get('faq/help.qa.yaml')?.synced).toBe(false);
    expect(store.runs(emu.botId, 1)[0]?.status).toBe('partial');
    store.close();

    emu.setFaults({});
    const ok = await pushOnce(p, emu);
    expect(ok.counts).toMatchObject({ create: 1, failed: 0, stale: 1 });
    expect(ok.items.filter((i) => i.status === 'stale').map((i) => i.label)).toEqual(['How do I pay?']);
    store = StateStore.open(path.join(p.dir, '.kb-sync/state.db'), { readonly: true });
    expect(store.stale(emu.botId).map((s) => s.label)).toEqual(['How do I pay?']);
    expect(store.fileKeys(emu.botId, ['faq/help.qa.yaml']).get('faq/help.qa.yaml')).toHaveLength(2);
    store.close();
  });

  it('a deleted file turns its items stale at once; a renamed one moves them without a push', async () => {
    const emu = await emulator();
    const p = project(files);
    await pushOnce(p, emu);
    p.remove('guides/b.md');
    p.rename('guides/a.md', 'guides/renamed.md');
    const before = posts(emu);
    const applied = await pushOnce(p, emu);
    expect(posts(emu)).toBe(before);
    expect(applied.counts).toMatchObject({ create: 0, moved: 1, stale: 1 });
    expect(applied.items.map((i) => [i.status, i.file])).toEqual([
      ['moved', 'guides/renamed.md'],
      ['stale', 'guides/b.md'],
    ]);
  });
});

describe('the adopt strategy', () => {
  it('records every planned create as adopted and pushes nothing; changed items are left for sync', async () => {
    const emu = await emulator();
    const p = project(files);
    const { ctx, input } = await stagesToPlan(p, emu, { adopt: true, token: undefined });
    const applied = await applyAdopt(ctx, input);
    ctx.store.close();
    expect(applied.adopted).toBe(4);
    expect(applied.items.every((i) => i.action === 'create' && i.status === 'unchanged')).toBe(true);
    expect(posts(emu)).toBe(0);
    const store = StateStore.open(path.join(p.dir, '.kb-sync/state.db'), { readonly: true });
    expect(store.countItems(emu.botId)).toEqual({ TEXT: { adopted: 2 }, Q_AND_A: { adopted: 2 } });
    expect(store.runs(emu.botId, 1)[0]).toMatchObject({ command: 'adopt', status: 'ok', counts: { adopted: 4 } });
    expect(store.hasHistory(emu.botId)).toBe(true);
    store.close();

    p.write({ 'guides/a.md': '---\ntitle: Alpha\n---\n\nAlpha body, edited.\n' });
    const second = await stagesToPlan(p, emu, { adopt: true, token: undefined });
    const again = await applyAdopt(second.ctx, second.input);
    second.ctx.store.close();
    expect(again.adopted).toBe(0);
    expect(again.items.map((i) => [i.status, i.label, i.error])).toEqual([
      ['skipped', 'Alpha', 'already tracked with another version; `kb-sync sync` pushes it'],
    ]);
  });
});

describe('the dry-run strategy', () => {
  it('the creates are handed over to the items (the plan keeps no list of them); nothing is written', async () => {
    const emu = await emulator();
    const p = project(files);
    const { ctx, input } = await stagesToPlan(p, emu, { dryRun: true, token: undefined });
    const creates = input.planned.plan.create.map((c) => [c.item.key, c.item.label, c.item.file, c.item.line]);
    expect(creates).toHaveLength(4);
    const applied = await applyDryRun(ctx, input);
    expect(applied.items.map((i) => [i.key, i.label, i.file, i.line])).toEqual(creates);
    expect(applied.items.every((i) => i.action === 'create' && i.status === 'planned')).toBe(true);
    expect(applied.counts).toMatchObject({ create: 4, update: 0, stale: 0 });
    expect(input.planned.plan.create).toEqual([]);
    expect(ctx.store.itemCount(emu.botId)).toBe(0);
    ctx.store.close();
  });

  it('a whitespace-only article edit is refined to unchanged; a real edit stays an update; nothing is written', async () => {
    const emu = await emulator();
    const p = project(files);
    await pushOnce(p, emu);
    p.write({
      'guides/a.md': '---\ntitle: Alpha\n---\n\nAlpha body.\n\n<!-- a note for editors -->\n',
      'guides/b.md': '---\ntitle: Beta\n---\n\nBeta body, edited.\n',
    });
    const { ctx, input } = await stagesToPlan(p, emu, { dryRun: true, token: undefined });
    const runsBefore = ctx.store.runs(emu.botId, 10).length;
    expect(input.planned.plan.update.map((u) => u.item.label)).toEqual(['Alpha', 'Beta']);
    const applied = await applyDryRun(ctx, input);
    expect(applied.plan.update.map((u) => u.item.label)).toEqual(['Beta']);
    expect(applied.plan.unchanged.map((u) => u.label)).toContain('Alpha');
    // The stage's input plan is not changed by the refinement.
    expect(input.planned.plan.update).toHaveLength(2);
    expect(applied.counts).toMatchObject({ create: 0, update: 1, unchanged: 3 });
    expect(applied.items.map((i) => [i.action, i.status, i.label])).toEqual([['update', 'planned', 'Beta']]);
    expect(ctx.store.runs(emu.botId, 10)).toHaveLength(runsBefore);
    ctx.store.close();
  });
});
