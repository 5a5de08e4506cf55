import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareVersions } from '@fwkit/device-core';
import { LineOrder, compareLines, isMaintenanceRelease, lineModels, lineOf, lineOrderProblem } from './lines.js';
import { ledgerFromJSON } from './schema/ledger.js';

const rel = (firmware: string, models: string[] = ['cam']) => ({ firmware, images: models.map((model) => ({ model })) });

describe('release lines', () => {
  it('a line is MAJOR.MINOR, ordered numerically', () => {
    expect(lineOf('1.4.2')).toBe('1.4');
    expect(lineOf('10.0.0-rc.1')).toBe('10.0');
    expect(compareLines('1.4', '1.10')).toBe(-1);
    expect(compareLines('2.0', '1.10')).toBe(1);
  });

  it('orders the worked example 1.4.1 → 1.5.0 → 1.4.2 → 1.5.1, and refuses what breaks it', () => {
    const ledger = [rel('1.4.1'), rel('1.5.0'), rel('1.4.2')];
    expect(lineOrderProblem(ledger.slice(0, 2), '1.4.2')).toBeUndefined();
    expect(lineOrderProblem(ledger, '1.5.1')).toBeUndefined();
    expect(lineOrderProblem(ledger, '1.4.2')).toEqual({ kind: 'exists', firmware: '1.4.2' });
    expect(lineOrderProblem(ledger, '1.4.0')).toEqual({ kind: 'not-newer-in-line', firmware: '1.4.0', line: '1.4', last: '1.4.2' });
    expect(lineOrderProblem(ledger, '1.5.0-rc.1')).toMatchObject({ kind: 'not-newer-in-line', last: '1.5.0' });
    // A line opens above every line before it: 1.3 after 1.5 is not a maintenance line, it is a mistake.
    expect(lineOrderProblem(ledger, '1.3.0')).toEqual({ kind: 'line-below-newest', firmware: '1.3.0', line: '1.3', newest: '1.5.0' });
    expect(lineOrderProblem(ledger, '2.0.0')).toBeUndefined();
    expect(isMaintenanceRelease(ledger, '1.4.3')).toBe(true);
    expect(isMaintenanceRelease(ledger, '1.5.1')).toBe(false);
    expect(isMaintenanceRelease([], '1.4.3')).toBe(false);
  });

  it('a maintenance line serves the models of its last release', () => {
    const ledger = [rel('1.4.1', ['a', 'b']), rel('1.5.0', ['a', 'b', 'c']), rel('1.4.2', ['a'])];
    expect([...lineModels(ledger, '1.4')]).toEqual(['a']);
    expect([...lineModels(ledger, '1.5')]).toEqual(['a', 'b', 'c']);
    expect([...lineModels(ledger, '1.3')]).toEqual([]);
  });

  it('the ledger schema applies the same rule to every release in its order', () => {
    const release = (firmware: string) => ({
      firmware,
      platform: '1.0.0',
      security: 1,
      date: '2026-01-01',
      sourceDateEpoch: 1767225600,
      upgradeFrom: '*',
      installerFormats: [1],
      images: [
        {
          model: 'cam',
          hardwareRevisions: ['A'],
          manifestSha256: 'ab'.repeat(32),
          bytes: 1,
          formatVersion: 1,
          requires: { interfaces: {}, bootloader: '*', imageFormat: 1, ramBytes: 0, flashBytes: 0 },
        },
      ],
    });
    const ledger = (versions: string[]) => () => ledgerFromJSON({ schemaVersion: 1, releases: versions.map(release), support: [] });
    expect(ledger(['1.4.1', '1.5.0', '1.4.2', '1.5.1'])).not.toThrow();
    expect(ledger(['1.4.1', '1.5.0', '1.3.0'])).toThrow(/would open line 1\.3 below 1\.5\.0/);
    expect(ledger(['1.4.1', '1.5.0', '1.4.1'])).toThrow(/released twice/);
    expect(ledger(['1.5.0', '1.5.0-rc.1'])).toThrow(/not newer than 1\.5\.0, the last release of line 1\.5/);
  });

  it('LineOrder built step by step answers as the rule over the whole prefix (property)', () => {
    const version = fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }));
    fc.assert(
      fc.property(fc.array(version, { maxLength: 12 }), (parts) => {
        const order = new LineOrder();
        const accepted: { firmware: string }[] = [];
        for (const [a, b, c] of parts) {
          const firmware = `${a}.${b}.${c}`;
          const problem = order.problem(firmware);
          expect(problem).toEqual(lineOrderProblem(accepted, firmware));
          // Within a line, accepted versions go up; a new line is above all before it.
          if (problem === undefined) {
            order.add(firmware);
            accepted.push({ firmware });
          }
        }
        const byLine = new Map<string, string[]>();
        for (const { firmware } of accepted) byLine.set(lineOf(firmware), [...(byLine.get(lineOf(firmware)) ?? []), firmware]);
        for (const versions of byLine.values()) {
          versions.slice(1).forEach((v, i) => {
            expect(compareVersions(versions[i] ?? '', v)).toBe(-1);
          });
        }
      }),
      { numRuns: 300, seed: 20261204 },
    );
  });
});
