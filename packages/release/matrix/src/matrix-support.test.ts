import { type SupportRecord } from '@fwkit/release-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MatrixError, computeMatrix, gateFailures, matrixToJSON, supportRecordsFor, type MatrixInput } from './index.js';
import { candidateMatrix, cell, codes, DATE, ledger, legacy, MiB, P14, P15, product, ptz, release } from './matrix.test-support.js';

// Support lifecycle and the gate: support periods, deprecated interfaces, dates and input errors.

describe('support periods', () => {
  const published = (model: string, lastDay: string, on = '2025-01-10'): SupportRecord => ({
    model,
    lastDay,
    published: on,
    kind: 'published',
  });

  it('shortening a published support period is refused; an early end recorded in endedEarly is not', () => {
    const products = [legacy];
    const past = release({ firmware: '1.0.0', date: '2025-01-10', products });
    const candidate = release({ firmware: '2.0.0', date: '2026-05-20', products });
    const record = [published('legacy-fixed-1080', '2029-03-31')];

    const shortened = product({ ...legacy, lifecycle: { released: '2019-03-18', endOfSupport: '2027-12-31' } });
    const refused = computeMatrix({ products: [shortened], platform: P14.manifest, ledger: ledger([past], record), candidate, date: DATE });
    const model = refused.models[0];
    expect(model?.reasons.map((r) => r.code)).toEqual(['SUPPORT_SHORTENED']);
    expect(model?.reasons[0]?.details).toMatchObject({ endOfSupport: '2027-12-31', promised: '2029-03-31', published: '2025-01-10' });
    expect(gateFailures(refused).map((r) => r.code)).toEqual(['SUPPORT_SHORTENED']);
    // Nothing to append for a shortened promise: the gate refuses it.
    expect(supportRecordsFor([shortened], ledger([past], record), '2026-05-20')).toEqual([]);

    const endedEarly = product({
      ...legacy,
      lifecycle: {
        released: '2019-03-18',
        endOfSupport: '2029-03-31',
        endedEarly: { lastDay: '2027-12-31', recorded: '2026-05-01', reason: 'The sensor module is no longer manufactured.' },
      },
    });
    const accepted = computeMatrix({
      products: [endedEarly],
      platform: P14.manifest,
      ledger: ledger([past], record),
      candidate,
      date: DATE,
    });
    expect(accepted.models[0]).toMatchObject({ status: 'supported', lastDay: '2027-12-31', endOfSupport: '2029-03-31', reasons: [] });
    expect(gateFailures(accepted)).toEqual([]);
    expect(supportRecordsFor([endedEarly], ledger([past], record), '2026-05-20')).toEqual([
      {
        model: 'legacy-fixed-1080',
        lastDay: '2027-12-31',
        published: '2026-05-20',
        kind: 'ended-early',
        reason: 'The sensor module is no longer manufactured.',
      },
    ]);
  });

  it('supportRecordsFor: publishes new and extended promises once, and nothing already on record', () => {
    const l = ledger([], [published('legacy-fixed-1080', '2029-03-31')]);
    expect(supportRecordsFor([legacy, ptz], l, '2026-05-20')).toEqual([
      { model: 'ptz-4k', lastDay: '2033-09-30', published: '2026-05-20', kind: 'published' },
    ]);
    const extended = product({ ...legacy, lifecycle: { released: '2019-03-18', endOfSupport: '2030-03-31' } });
    expect(supportRecordsFor([extended], l, '2026-05-20')).toEqual([
      { model: 'legacy-fixed-1080', lastDay: '2030-03-31', published: '2026-05-20', kind: 'published' },
    ]);
    const early = { lastDay: '2027-01-31', recorded: '2026-05-01', reason: 'The sensor module is no longer manufactured.' };
    const onRecord = ledger(
      [],
      [
        published('legacy-fixed-1080', '2029-03-31'),
        { ...published('legacy-fixed-1080', '2027-01-31'), kind: 'ended-early', reason: early.reason },
      ],
    );
    const withEarly = product({ ...legacy, lifecycle: { ...legacy.lifecycle, endedEarly: early } });
    expect(supportRecordsFor([withEarly], onRecord, '2026-05-20')).toEqual([]);
    // The early end was withdrawn: the promise is re-stated so that the latest record tells the truth.
    expect(supportRecordsFor([legacy], onRecord, '2026-05-20')).toEqual([
      { model: 'legacy-fixed-1080', lastDay: '2029-03-31', published: '2026-05-20', kind: 'published' },
    ]);
  });

  it('retired and upcoming models: grey and "not released" from their day on, never in the gate; past cells keep their history', () => {
    const retired = product({ ...legacy, lifecycle: { released: '2019-03-18', endOfSupport: '2026-03-31' } });
    const upcoming = product({ ...ptz, id: 'ptz-8k', name: 'PTZ 8K', lifecycle: { released: '2026-09-01', endOfSupport: '2036-09-30' } });
    const products = [retired, upcoming, ptz];
    const past = release({ firmware: '1.0.0', date: '2025-01-10', products: [retired, ptz] });
    // Neither is in the candidate: dropping a retired model is fine, an upcoming one is not out yet.
    const candidate = release({ firmware: '2.0.0', date: '2026-05-20', products: [ptz] });
    const matrix = computeMatrix({ products, platform: P14.manifest, ledger: ledger([past]), candidate, date: DATE });
    expect(matrix.models.map((m) => [m.id, m.status])).toEqual([
      ['legacy-fixed-1080', 'retired'],
      ['ptz-4k', 'supported'],
      ['ptz-8k', 'upcoming'],
    ]);
    // 1.0.0 went out while the model was supported: its cell shows that image, not the retirement.
    expect(cell(matrix, 'legacy-fixed-1080', '1.0.0')).toMatchObject({ verdict: 'pass', manifestSha256: expect.any(String) as unknown });
    const grey = cell(matrix, 'legacy-fixed-1080', '2.0.0');
    expect(grey.verdict).toBe('retired');
    expect(codes(grey)).toEqual(['SUPPORT_ENDED']);
    expect(grey.reasons[0]?.severity).toBe('info');
    expect(grey.reasons[0]?.message).toContain('supported until 2026-03-31, retired since 2026-04-01');
    for (const fw of ['1.0.0', '2.0.0']) expect(cell(matrix, 'ptz-8k', fw).verdict).toBe('not-released');
    expect(gateFailures(matrix)).toEqual([]);
  });

  it('a model the ledger knows but no product.json declares cannot be dropped silently while supported', () => {
    const past = release({ firmware: '1.0.0', date: '2025-01-10', products: [legacy, ptz] });
    const candidate = release({ firmware: '2.0.0', date: '2026-05-20', products: [ptz] });
    const support = [published('legacy-fixed-1080', '2029-03-31'), published('ptz-4k', '2033-09-30')];
    const matrix = computeMatrix({ products: [ptz], platform: P14.manifest, ledger: ledger([past], support), candidate, date: DATE });
    expect(matrix.models.map((m) => m.id)).toEqual(['ptz-4k', 'legacy-fixed-1080']);
    expect(gateFailures(matrix).map((r) => [r.code, r.details['model']])).toEqual([
      ['MODEL_MISSING', 'legacy-fixed-1080'],
      ['MODEL_MISSING', 'legacy-fixed-1080'],
    ]);
    // Once its support has ended, the manifest may go.
    const later = computeMatrix({
      products: [ptz],
      platform: P14.manifest,
      ledger: ledger([past], support),
      candidate,
      date: '2029-04-01',
    });
    expect(later.models[1]?.status).toBe('retired');
    expect(gateFailures(later)).toEqual([]);
  });
});

describe('deprecated interface versions', () => {
  it('warn in the candidate column only, and do not stop the gate', () => {
    const bRevisionOnly = product({ ...legacy, hardware: [legacy.hardware[1]] });
    const matrix = candidateMatrix([bRevisionOnly], { platform: P15 });
    const c = cell(matrix, 'legacy-fixed-1080', '2.0.0');
    expect(c.verdict).toBe('warn');
    expect(codes(c)).toEqual(['INTERFACE_VERSION_DEPRECATED']);
    expect(c.reasons[0]?.details).toMatchObject({ revision: 'B', interface: 'sensor.parallel', provided: '1.3.1', since: '1.5.0' });
    expect(c.reasons[0]?.message).toContain('The parallel sensor bus goes away in platform 2');
    expect(gateFailures(matrix)).toEqual([]);

    const current = candidateMatrix([bRevisionOnly], { platform: P14 });
    expect(cell(current, 'legacy-fixed-1080', '2.0.0').verdict).toBe('pass');
  });

  it('say nothing of a version the image refuses anyway: the error stands alone, no "still accepts it"', () => {
    const bRevisionOnly = product({ ...legacy, hardware: [legacy.hardware[1]] }); // provides sensor.parallel 1.3.1
    const stricter = {
      version: P15.version,
      manifest: {
        ...P15.manifest,
        features: {
          ...P15.manifest.features,
          'sensor-parallel': { interfaces: { 'sensor.parallel': '>=1.3.2 <2.0.0' }, ramBytes: 8 * MiB },
        },
      },
    };
    const c = cell(candidateMatrix([bRevisionOnly], { platform: stricter }), 'legacy-fixed-1080', '2.0.0');
    expect(c.verdict).toBe('fail');
    expect(codes(c)).toEqual(['INTERFACE_VERSION_INCOMPATIBLE']);
    expect(c.reasons.map((r) => r.message).join('\n')).not.toContain('still accepts');
  });
});

describe('the firmware runtime (platform.json "runtime")', () => {
  const runtimeTo = (endOfLife: string) => ({
    version: P14.version,
    manifest: { ...P14.manifest, runtime: { name: 'node' as const, version: '20.19.0', endOfLife } },
  });

  it("past its end of life: a warning in every supported model's candidate cell, naming the runtime; the gate still passes", () => {
    const matrix = candidateMatrix([legacy, ptz], { platform: runtimeTo('2026-04-30') });
    for (const model of ['legacy-fixed-1080', 'ptz-4k']) {
      const c = cell(matrix, model, '2.0.0');
      expect(c.verdict).toBe('warn');
      expect(codes(c)).toEqual(['RUNTIME_END_OF_LIFE']);
      expect(c.reasons[0]?.details).toEqual({ model, runtime: 'node', version: '20.19.0', endOfLife: '2026-04-30', date: DATE });
      expect(c.reasons[0]?.message).toContain('node 20.19.0, past its end of life (2026-04-30');
      expect(codes(cell(matrix, model, '1.0.0'))).toEqual([]); // history is not re-judged
    }
    expect(gateFailures(matrix)).toEqual([]);
  });

  it('up to and including its last day of support: no warning', () => {
    const matrix = candidateMatrix([legacy, ptz], { platform: runtimeTo(DATE) });
    expect(cell(matrix, 'legacy-fixed-1080', '2.0.0').verdict).toBe('pass');
    expect(cell(matrix, 'ptz-4k', '2.0.0').verdict).toBe('pass');
  });
});

describe('dates and input errors', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('judges support on the input date, never the clock', () => {
    const run = (date: string) => matrixToJSON(candidateMatrix([legacy, ptz], {}, date));
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2001-01-01T00:00:00Z'));
    const early = run(DATE);
    vi.setSystemTime(new Date('2099-12-31T00:00:00Z'));
    const late = run(DATE);
    expect(late).toEqual(early);
    expect(early.models.map((m) => m.status)).toEqual(['supported', 'supported']);
    expect(run('2029-04-01').models.map((m) => m.status)).toEqual(['retired', 'supported']);
    expect(run('2021-01-01').models.map((m) => m.status)).toEqual(['supported', 'upcoming']);
  });

  it('refuses input it cannot judge, with codes', () => {
    const products = [ptz];
    const past = release({ firmware: '1.0.0', date: '2025-01-10', products });
    const base = { products, platform: P14.manifest, ledger: ledger([past]), date: DATE };
    const code = (input: MatrixInput): string | undefined => {
      try {
        computeMatrix(input);
      } catch (error) {
        expect(error).toBeInstanceOf(MatrixError);
        return (error as MatrixError).code;
      }
      return undefined;
    };
    expect(code({ ...base, date: '2026-02-30' })).toBe('MATRIX_DATE_INVALID');
    expect(code({ ...base, date: '01/06/2026' })).toBe('MATRIX_DATE_INVALID');
    expect(code({ ...base, candidate: release({ firmware: '1.0.0', date: '2026-05-20', products }) })).toBe('MATRIX_CANDIDATE_NOT_NEWER');
    expect(code({ ...base, products: [ptz, ptz] })).toBe('MATRIX_MODEL_DUPLICATE');
    expect(code(base)).toBeUndefined();
  });

  it('without a candidate, the gate holds model-level problems only', () => {
    const products = [ptz];
    const matrix = computeMatrix({
      products,
      platform: P14.manifest,
      ledger: ledger([release({ firmware: '1.0.0', date: '2025-01-10', products })]),
      date: DATE,
    });
    expect(matrix.releases.map((r) => r.candidate)).toEqual([false]);
    expect(gateFailures(matrix)).toEqual([]);
  });
});
