import type { MadeImage } from '@fwkit/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { image } from './device.test-support.js';
import { runHarness, runRecoveryHarness, syncSites } from './power-cut.test-support.js';

let factory: MadeImage;
let update: MadeImage;
let newest: MadeImage;

beforeAll(async () => {
  factory = await image('1.0.0', 1);
  update = await image('1.1.0', 2);
  newest = await image('1.2.0', 3);
});

// Each harness boots thousands of crash states (~15 s on the reference machine): a slow or shared
// machine gets room, not a failure (nothing here is timed).
const EXHAUSTIVE = { timeout: 300_000 };

describe('power cut at every operation of an install and its boot', () => {
  it('every crash state boots the old or the new image, with the counter and status right', EXHAUSTIVE, async () => {
    const report = await runHarness({ factory, update });
    console.info(
      `power-cut harness: ${report.total} cut points (${report.exhaustiveCuts} with every subset of the volatile operations, ` +
        `${report.sampledCuts} sampled), ${report.states} crash states booted`,
    );
    expect(report.violations.slice(0, 5)).toEqual([]);
    expect(report.total).toBeGreaterThan(40);
  });

  it(
    'an install over a slot with content (its payload files taken over and rewritten in place): every crash state boots the old or the new image',
    EXHAUSTIVE,
    async () => {
      const report = await runHarness({ factory, committedFirst: update, update: newest });
      console.info(`power-cut harness, install over content: ${report.total} cut points, ${report.states} crash states booted`);
      expect(report.violations.slice(0, 5)).toEqual([]);
      expect(report.total).toBeGreaterThan(40);
    },
  );

  it('mutation check: leaving out any one fsync site makes the harness fail', async () => {
    // The sites one plain install and boot pass through (the full harness above runs the same scenario).
    const sites = await syncSites(factory, update);
    expect([...sites].sort()).toEqual(
      ['arm-trial', 'attempt', 'commit', 'counter', 'mark-invalid', 'slot'].flatMap((s) => [`${s}.fsync`, `${s}.fsyncDir`]).sort(),
    );
    const caught: string[] = [];
    for (const site of [...sites].sort()) {
      const report = await runHarness({ factory, update, skipSync: new Set([site]), stopAtFirst: true, samples: 2 });
      if (report.violations.length > 0) caught.push(site);
      else console.info(`mutation without ${site}: not caught`);
    }
    console.info(`mutation check: ${caught.length}/${sites.size} fsync sites removed one at a time, each caught`);
    expect(caught).toEqual([...sites].sort());
  });

  it('recovery of a device whose slots are both bad: every crash state boots the recovery image or recovers again', async () => {
    const recovery = await image('1.2.0', 3);
    const report = await runRecoveryHarness({ factory, update, recovery });
    console.info(`recovery power-cut harness: ${report.total} cut points, ${report.states} crash states booted`);
    expect(report.violations.slice(0, 5)).toEqual([]);
    // Its own mutation check: each of its fsync sites left out makes it fail.
    expect([...report.sites].sort()).toEqual(
      ['recover-invalid', 'recovered', 'slot'].flatMap((s) => [`${s}.fsync`, `${s}.fsyncDir`]).sort(),
    );
    // Few states per mutated run (it stops at its first violation; the unmutated run above is the full one).
    const missed: string[] = [];
    for (const site of [...report.sites].sort()) {
      const mutated = await runRecoveryHarness({ factory, update, recovery, samples: 2, exhaustiveUpTo: 3, skipSync: new Set([site]) });
      if (mutated.violations.length === 0) missed.push(site);
    }
    console.info(
      `recovery mutation check: ${report.sites.size - missed.length}/${report.sites.size} fsync sites removed one at a time, each caught`,
    );
    expect(missed).toEqual([]);
  });
});
