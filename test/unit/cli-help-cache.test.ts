import { describe, expect, it } from 'vitest';
import { buildCli, skipHelpCache } from '../../src/cli/cli.js';

/**
 * yargs renders a command's whole help before running it (src/cli/cli.ts `skipHelpCache` turns
 * that off through yargs' internal methods). If a yargs upgrade moves them, this fails, rather
 * than a no-op sync silently getting slower.
 */
describe('skipHelpCache', () => {
  it("reaches yargs' help cache, and help asked for still renders in full", async () => {
    const cli = buildCli(['sync']);
    expect(skipHelpCache(cli)).toBe(true);
    const help = await cli.getHelp();
    expect(help).toContain('Push what changed in the knowledge folder to the bot');
    expect(help).toContain('--dry-run');
  });

  it('says so when there is nothing to turn off', () => {
    expect(skipHelpCache({} as never)).toBe(false);
  });
});
