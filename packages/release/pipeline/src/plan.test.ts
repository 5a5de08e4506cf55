import { describe, expect, it } from 'vitest';
import { isIsoDay } from '@fwkit/device-core';
import {
  EMPTY_LEDGER,
  platformManifestFromJSON,
  productManifestFromJSON,
  type LedgerImage,
  type LedgerRelease,
  type ProductManifest,
} from '@fwkit/release-core';
import { thrownCode } from '@fwkit/test-utils';
import {
  assertGate,
  checkReleaseDate,
  gateRelease,
  planRelease,
  recordRelease,
  releaseDateOf,
  ReleaseGateError,
  scopeRelease,
  supportOn,
  viewDateOf,
} from './index.js';

const platform = platformManifestFromJSON({
  schemaVersion: 1,
  imageFormat: 1,
  installerFormats: [1],
  domains: {},
  base: { interfaces: { 'board.hal': '>=1.0.0 <2.0.0' }, ramBytes: 1000, bootloader: '>=2.0.0' },
  features: {},
});

function product(id: string, lifecycle: Record<string, unknown>, hal = '1.2.0'): ProductManifest {
  return productManifestFromJSON({
    schemaVersion: 1,
    id,
    name: id,
    features: [],
    platform: '>=1.0.0',
    drivers: 'src/drivers.ts',
    lifecycle,
    hardware: [
      {
        revision: 'A',
        interfaces: { 'board.hal': hal },
        flashPartitionBytes: 4096,
        ramBytes: 4096,
        bootloaders: [{ version: '2.1.0', imageFormats: [1] }],
      },
    ],
  });
}

const image = (model: string): LedgerImage => ({
  model,
  hardwareRevisions: ['A'],
  manifestSha256: 'cd'.repeat(32),
  bytes: 2048,
  formatVersion: 1,
  requires: { interfaces: { 'board.hal': '>=1.0.0 <2.0.0' }, bootloader: '>=2.0.0', imageFormat: 1, ramBytes: 1000, flashBytes: 2000 },
});

const candidate = (firmware: string, models: string[], date = '2026-01-01', security = 1): LedgerRelease => ({
  firmware,
  platform: '1.0.0',
  security,
  date,
  sourceDateEpoch: 0,
  upgradeFrom: '>=1.0.0',
  installerFormats: [1],
  steppingStone: false,
  images: models.map(image),
});

const old = product('old-cam', { released: '2019-01-01', endOfSupport: '2029-12-31' });
const current = product('new-cam', { released: '2024-01-01', endOfSupport: '2034-12-31' });
const upcoming = product('next-cam', { released: '2027-01-01', endOfSupport: '2037-12-31' });
const products = [current, old, upcoming];

describe('release dates', () => {
  it('are the UTC day of SOURCE_DATE_EPOCH by default, never the clock', () => {
    expect(releaseDateOf(1_767_225_600)).toBe('2026-01-01');
    expect(releaseDateOf(1_767_225_599)).toBe('2025-12-31');
    expect(releaseDateOf(0)).toBe('1970-01-01');
  });

  it('must be real days, not before the last release', () => {
    expect(['2026-02-28', '2024-02-29'].map(isIsoDay)).toEqual([true, true]);
    expect(['2026-02-29', '2026-13-01', '2026-1-01', '20260101', ''].map(isIsoDay)).toEqual([false, false, false, false, false]);
    const ledger = { ...EMPTY_LEDGER, releases: [candidate('1.0.0', ['new-cam'], '2026-03-01')] };
    const codeOn = (date: string, on = ledger) =>
      thrownCode(() => {
        checkReleaseDate(on, date);
      }) ?? 'ok';
    expect(codeOn('2026-03-01')).toBe('ok');
    expect(codeOn('2026-02-28')).toBe('RELEASE_DATE_INVALID');
    expect(codeOn('2026-02-30', EMPTY_LEDGER)).toBe('RELEASE_DATE_INVALID');
    expect(() => {
      checkReleaseDate(ledger, '2026-02-28');
    }).toThrow('--date 2026-03-01 or later');
  });

  it('for a view, default to the last release’s day when SOURCE_DATE_EPOCH’s day lies before it', () => {
    const ledger = { ...EMPTY_LEDGER, releases: [candidate('1.0.0', ['new-cam'], '2026-03-01')] };
    expect(viewDateOf(ledger, '2026-02-28')).toEqual({ date: '2026-03-01', moved: true });
    expect(viewDateOf(ledger, '2026-03-01')).toEqual({ date: '2026-03-01', moved: false });
    expect(viewDateOf(ledger, '2026-04-01')).toEqual({ date: '2026-04-01', moved: false });
    expect(viewDateOf(EMPTY_LEDGER, '2026-02-28')).toEqual({ date: '2026-02-28', moved: false });
  });

  it('decide who gets an image: only models supported on the date', () => {
    expect(supportOn(products, '2026-01-01').map((s) => [s.product.id, s.status])).toEqual([
      ['new-cam', 'supported'],
      ['old-cam', 'supported'],
      ['next-cam', 'upcoming'],
    ]);
    expect(supportOn([old], '2030-01-01').map((s) => s.status)).toEqual(['retired']);
  });
});

describe('planRelease', () => {
  it('passes a candidate with every supported model, with the published support', () => {
    const plan = planRelease({
      candidate: candidate('1.0.0', ['new-cam', 'old-cam']),
      ledger: EMPTY_LEDGER,
      products,
      platform,
      date: '2026-01-01',
    });
    expect(plan.ok).toBe(true);
    expect(plan.failures).toEqual([]);
    expect(plan.supportRecords.map((r) => [r.model, r.lastDay, r.kind])).toEqual([
      ['new-cam', '2034-12-31', 'published'],
      ['next-cam', '2037-12-31', 'published'],
      ['old-cam', '2029-12-31', 'published'],
    ]);
    expect(plan.matrix.releases.map((r) => [r.firmware, r.candidate])).toEqual([['1.0.0', true]]);
    expect(() => {
      assertGate(plan);
    }).not.toThrow();
  });

  it('refuses a candidate that drops a supported model', () => {
    const plan = planRelease({ candidate: candidate('1.0.0', ['new-cam']), ledger: EMPTY_LEDGER, products, platform, date: '2026-01-01' });
    expect(plan.ok).toBe(false);
    expect(plan.failures.map((r) => [r.code, r.details['model']])).toEqual([['MODEL_MISSING', 'old-cam']]);
    let thrown: unknown;
    try {
      assertGate(plan);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ReleaseGateError);
    const gate = thrown as ReleaseGateError;
    expect(gate.code).toBe('RELEASE_GATE_FAILED');
    expect(gate.reasons).toBe(plan.failures);
    expect(gate.details).toMatchObject({ release: '1.0.0', date: '2026-01-01' });
    expect(gate.message).toContain('MODEL_MISSING');
  });

  it('refuses a model whose hardware cannot take the image, and lets a retired one go without an image', () => {
    const tooOld = product('old-cam', { released: '2019-01-01', endOfSupport: '2029-12-31' }, '0.9.0');
    const refused = planRelease({
      candidate: candidate('1.0.0', ['new-cam', 'old-cam']),
      ledger: EMPTY_LEDGER,
      products: [current, tooOld],
      platform,
      date: '2026-01-01',
    });
    expect(refused.failures.map((r) => [r.code, r.details['model'], r.details['provided']])).toEqual([
      ['INTERFACE_VERSION_INCOMPATIBLE', 'old-cam', '0.9.0'],
    ]);
    const ended = product(
      'old-cam',
      {
        released: '2019-01-01',
        endOfSupport: '2029-12-31',
        endedEarly: { lastDay: '2025-12-31', recorded: '2025-06-01', reason: 'The board cannot run the current platform.' },
      },
      '0.9.0',
    );
    const passed = planRelease({
      candidate: candidate('1.0.0', ['new-cam']),
      ledger: EMPTY_LEDGER,
      products: [current, ended],
      platform,
      date: '2026-01-01',
    });
    expect(passed.ok).toBe(true);
    expect(passed.matrix.models.find((m) => m.id === 'old-cam')?.status).toBe('retired');
    expect(passed.supportRecords).toContainEqual({
      model: 'old-cam',
      lastDay: '2025-12-31',
      published: '2026-01-01',
      kind: 'ended-early',
      reason: 'The board cannot run the current platform.',
    });
  });

  it('refuses, before any matrix, a version that is released already or not newer', () => {
    const ledger = { ...EMPTY_LEDGER, releases: [candidate('1.0.0', ['new-cam', 'old-cam'], '2026-01-01')] };
    const codeOf = (firmware: string) =>
      thrownCode(() =>
        planRelease({ candidate: candidate(firmware, ['new-cam', 'old-cam']), ledger, products, platform, date: '2026-02-01' }),
      ) ?? 'planned';
    expect(codeOf('1.0.0')).toBe('RELEASE_EXISTS');
    expect(codeOf('0.9.0')).toBe('RELEASE_VERSION_NOT_NEWER');
    expect(codeOf('1.1.0')).toBe('planned');
  });
});

describe('the release plan is pure', () => {
  it('scopeRelease: the same inputs give a deep-equal scope, the inputs untouched; every refusal is coded', () => {
    const ledger = { ...EMPTY_LEDGER, releases: [candidate('1.0.0', ['new-cam', 'old-cam'], '2026-01-01')] };
    const before = structuredClone({ ledger, products });
    const input = { ledger, products, firmware: '1.1.0', date: '2026-02-01' };
    const one = scopeRelease(input);
    expect(scopeRelease(input)).toEqual(one);
    expect({ ledger, products }).toEqual(before);
    expect(one.supported.map((p) => p.id)).toEqual(['new-cam', 'old-cam']);
    expect(one.skipped).toEqual([{ model: 'next-cam', status: 'upcoming' }]);
    expect(thrownCode(() => scopeRelease({ ...input, firmware: '1.0.0' }))).toBe('RELEASE_EXISTS');
    expect(thrownCode(() => scopeRelease({ ...input, firmware: '0.9.0' }))).toBe('RELEASE_VERSION_NOT_NEWER');
    expect(thrownCode(() => scopeRelease({ ...input, date: '2025-12-31' }))).toBe('RELEASE_DATE_INVALID');
    expect(thrownCode(() => scopeRelease({ ...input, products: [upcoming] }))).toBe('RELEASE_NO_SUPPORTED_MODEL');
  });

  it('gateRelease: the same inputs give a deep-equal plan; recordRelease puts the signed images in the planned release', () => {
    const input = { candidate: candidate('1.0.0', ['new-cam', 'old-cam']), ledger: EMPTY_LEDGER, products, platform, date: '2026-01-01' };
    const before = structuredClone(input);
    const plan = gateRelease(input);
    expect(gateRelease(input)).toEqual(plan);
    expect(input).toEqual(before);
    expect(plan.ok).toBe(true);
    const signed = ['old-cam', 'new-cam'].map((model) => ({
      ...image(model),
      fileSha256: 'ef'.repeat(32),
      bytes: 4096,
      sbomSha256: '5b'.repeat(32),
      signedBy: ['a1'.repeat(32)],
    }));
    const audit = {
      sourceCommit: 'c0'.repeat(20),
      fwkit: '0.1.0',
      node: 'v20.0.0',
      signingKeyids: ['a1'.repeat(32)],
      demo: false,
      allowDirty: false,
      dirtyFiles: [],
    };
    const recorded = recordRelease(plan, signed, audit);
    expect(recorded.release.images.map((i) => [i.model, i.fileSha256, i.bytes])).toEqual([
      ['new-cam', 'ef'.repeat(32), 4096],
      ['old-cam', 'ef'.repeat(32), 4096],
    ]);
    expect(recorded.ledger.releases).toEqual([recorded.release]);
    expect(recorded.release.audit).toEqual(audit);
    expect(recordRelease(plan, signed, audit)).toEqual(recorded);
    // A schema-2 ledger records each image's audit fields: one without its SBOM digest is refused.
    expect(() =>
      recordRelease(
        plan,
        signed.map((i) => ({ ...i, sbomSha256: undefined })),
        audit,
      ),
    ).toThrow(/sbomSha256/);
    // An image that is not the one the gate passed is never recorded.
    expect(() => recordRelease(plan, [{ ...image('new-cam'), manifestSha256: '00'.repeat(32) }, image('old-cam')], audit)).toThrow(
      /not the one/,
    );
  });
});

describe('a maintenance release (docs/decisions.md, "The version model")', () => {
  // 1.4.1 → 1.5.0 in the ledger; 1.4.2 continues the 1.4 line for the models it served.
  const ledger = {
    ...EMPTY_LEDGER,
    releases: [candidate('1.4.1', ['old-cam'], '2026-01-01'), candidate('1.5.0', ['new-cam', 'old-cam'], '2026-01-15')],
  };
  const input = { ledger, products, firmware: '1.4.2', date: '2026-02-01' };

  it('must say so in release.json, and then builds only the models its line served', () => {
    expect(thrownCode(() => scopeRelease(input))).toBe('RELEASE_VERSION_NOT_NEWER');
    const scope = scopeRelease({ ...input, maintenanceLine: '1.4' });
    expect(scope.supported.map((p) => p.id)).toEqual(['old-cam']);
    expect(scope.skipped).toEqual([
      { model: 'new-cam', status: 'other-line' },
      { model: 'next-cam', status: 'upcoming' },
    ]);
  });

  it('names its own line, and needs a ledger that has a newer line (not a stale copy of it)', () => {
    expect(thrownCode(() => scopeRelease({ ...input, maintenanceLine: '1.3' }))).toBe('RELEASE_LINE_MISMATCH');
    expect(
      thrownCode(() => scopeRelease({ ...input, ledger: { ...ledger, releases: ledger.releases.slice(0, 1) }, maintenanceLine: '1.4' })),
    ).toBe('RELEASE_LINE_NOT_MAINTENANCE');
    expect(thrownCode(() => scopeRelease({ ...input, firmware: '1.5.1', maintenanceLine: '1.5' }))).toBe('RELEASE_LINE_NOT_MAINTENANCE');
    expect(thrownCode(() => scopeRelease({ ...input, firmware: '1.3.0', maintenanceLine: '1.3' }))).toBe('RELEASE_VERSION_NOT_NEWER');
  });

  it('is dated after the last release of any line: the ledger is one timeline', () => {
    expect(thrownCode(() => scopeRelease({ ...input, maintenanceLine: '1.4', date: '2026-01-10' }))).toBe('RELEASE_DATE_INVALID');
  });
});
