import { canonicalJson, sha256Hex } from '@fwkit/device-core';
import { describe, expect, it } from 'vitest';
import { bootRecordOf, counterOf, otherSlot, readDual, SLOT_NAMES, slotDir, writeDual, type BootRecord } from './record.js';
import { SimStorage } from './sim-storage.js';

// The boot record's pure half: what a copy must hold to count, and which of two copies stands.

const slot = { version: '2.0.0', security: 3, manifestSha256: 'ab'.repeat(32) };
const record: BootRecord = {
  state: 'trial',
  active: 'a',
  trial: 'b',
  attemptsLeft: 2,
  slots: { a: slot, b: null },
  last: { result: 'installed', reason: '' },
};

/** The record with one field replaced (or removed, for `undefined`). */
function withField(path: string[], value: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(record)) as Record<string, unknown>;
  let target = copy;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
  const last = path.at(-1) ?? '';
  if (value === undefined) Reflect.deleteProperty(target, last);
  else target[last] = value;
  return copy;
}

describe('bootRecordOf', () => {
  it('accepts a whole record, every state, no trial, zero attempts, both slots empty or full', () => {
    expect(bootRecordOf(record)).toEqual(record);
    for (const state of ['idle', 'installing', 'trial', 'committed', 'reverted']) {
      expect(bootRecordOf(withField(['state'], state))).toMatchObject({ state });
    }
    expect(bootRecordOf(withField(['trial'], null))).toMatchObject({ trial: null });
    expect(bootRecordOf(withField(['active'], 'b'))).toMatchObject({ active: 'b' });
    expect(bootRecordOf(withField(['attemptsLeft'], 0))).toMatchObject({ attemptsLeft: 0 });
    expect(bootRecordOf(withField(['slots', 'b'], slot))).toMatchObject({ slots: { a: slot, b: slot } });
  });

  it('keeps only the known fields', () => {
    const extra = { ...record, extra: 1, slots: { a: { ...slot, extra: 1 }, b: null, c: slot }, last: { ...record.last, extra: 1 } };
    expect(bootRecordOf(extra)).toEqual(record);
  });

  const broken: [string, unknown][] = [
    ['not an object', 'record'],
    ['null', null],
    ['no slots', withField(['slots'], undefined)],
    ['slots null', withField(['slots'], null)],
    ['slots not an object', withField(['slots'], 'ab')],
    ['no last', withField(['last'], undefined)],
    ['last null', withField(['last'], null)],
    ['last not an object', withField(['last'], 'ok')],
    ['an unknown state', withField(['state'], 'booting')],
    ['a state not a string', withField(['state'], 1)],
    ['an unknown active slot', withField(['active'], 'c')],
    ['no active slot', withField(['active'], null)],
    ['an unknown trial slot', withField(['trial'], 'c')],
    ['no trial field', withField(['trial'], undefined)],
    ['negative attempts', withField(['attemptsLeft'], -1)],
    ['fractional attempts', withField(['attemptsLeft'], 1.5)],
    ['attempts as a string', withField(['attemptsLeft'], '2')],
    ['slot a missing', withField(['slots', 'a'], undefined)],
    ['slot b missing', withField(['slots', 'b'], undefined)],
    ['a slot not an object', withField(['slots', 'a'], 'full')],
    ['a slot without version', withField(['slots', 'a', 'version'], undefined)],
    ['a slot version not a string', withField(['slots', 'a', 'version'], 2)],
    ['a slot security not an integer', withField(['slots', 'a', 'security'], 2.5)],
    ['a slot security missing', withField(['slots', 'a', 'security'], undefined)],
    ['a slot digest not a string', withField(['slots', 'a', 'manifestSha256'], null)],
    ['last.result not a string', withField(['last', 'result'], 1)],
    ['last.reason not a string', withField(['last', 'reason'], undefined)],
  ];
  it.each(broken)('refuses %s', (_name, value) => {
    expect(bootRecordOf(value)).toBeUndefined();
  });
});

describe('counterOf', () => {
  it('accepts a non-negative integer security version, and nothing else', () => {
    expect(counterOf({ security: 0 })).toEqual({ security: 0 });
    expect(counterOf({ security: 7, extra: true })).toEqual({ security: 7 });
    for (const value of [{ security: -1 }, { security: 1.5 }, { security: '1' }, {}, null, 3, 'x'])
      expect(counterOf(value)).toBeUndefined();
  });
});

describe('slots', () => {
  it('names the other slot and each slot directory', () => {
    expect([otherSlot('a'), otherSlot('b')]).toEqual(['b', 'a']);
    expect([slotDir('a'), slotDir('b')]).toEqual(['slots/a', 'slots/b']);
    expect(SLOT_NAMES).toEqual(['a', 'b']);
  });
});

describe('two-copy documents', () => {
  const syncs: string[] = [];
  const copy = (seq: number | string, body: unknown, sha256 = sha256Hex(canonicalJson({ body, seq }))): Uint8Array =>
    new TextEncoder().encode(JSON.stringify({ seq, body, sha256 }));
  const accept = (body: unknown) => body as { n: number };

  it('writes each sequence over the older copy, through a synced temp file and a synced rename', () => {
    const storage = new SimStorage(undefined, { onSync: (site) => void syncs.push(site) });
    storage.mkdir('boot');
    syncs.length = 0;
    writeDual(storage, 'record', 'boot/record', 4, { n: 4 });
    expect(storage.read('boot/record.0')).toBeDefined();
    expect(storage.read('boot/record.1')).toBeUndefined();
    expect(storage.read('boot/record.0.tmp')).toBeUndefined();
    expect(syncs).toEqual(['record.fsync', 'record.fsyncDir']);
    const flushes = Array.from({ length: storage.operations }, (_, i) => storage.opAt(i)).filter(
      (op) => op?.k === 'fsync' || op?.k === 'fsyncDir',
    );
    expect(flushes).toEqual([expect.objectContaining({ k: 'fsync', path: 'boot/record.0.tmp' }), { k: 'fsyncDir', dir: 'boot' }]);
    writeDual(storage, 'record', 'boot/record', 5, { n: 5 });
    expect(readDual(storage, 'boot/record', accept)).toEqual({ seq: 5, body: { n: 5 } });
    writeDual(storage, 'record', 'boot/record', 6, { n: 6 });
    expect(readDual(storage, 'boot/record', accept)).toEqual({ seq: 6, body: { n: 6 } });
    // The copy of 5 stands beside the one of 6.
    storage.write('boot/record.0', new Uint8Array(0));
    expect(readDual(storage, 'boot/record', accept)).toEqual({ seq: 5, body: { n: 5 } });
  });

  it('takes the higher valid sequence, whichever copy holds it', () => {
    for (const [zero, one] of [
      [2, 3],
      [3, 2],
    ] as const) {
      const storage = new SimStorage();
      storage.write('doc.0', copy(zero, { n: zero }));
      storage.write('doc.1', copy(one, { n: one }));
      expect(readDual(storage, 'doc', accept)).toEqual({ seq: 3, body: { n: 3 } });
    }
  });

  it('takes copy 0 when both copies hold the same sequence (a tie cannot come from writeDual)', () => {
    const storage = new SimStorage();
    storage.write('doc.0', copy(4, { n: 0 }));
    storage.write('doc.1', copy(4, { n: 1 }));
    expect(readDual(storage, 'doc', accept)).toEqual({ seq: 4, body: { n: 0 } });
  });

  it('ignores a copy that is missing, torn, not an object, mis-summed, without a whole sequence, or refused by the check', () => {
    const good = copy(1, { n: 1 });
    const bad: [string, Uint8Array][] = [
      ['torn', good.subarray(0, good.byteLength - 3)],
      ['not an object', new TextEncoder().encode('[1]')],
      ['null', new TextEncoder().encode('null')],
      ['a wrong checksum', copy(9, { n: 9 }, sha256Hex(canonicalJson({ body: { n: 8 }, seq: 9 })))],
      ['no checksum', new TextEncoder().encode(JSON.stringify({ seq: 9, body: { n: 9 } }))],
      [
        'a sequence that is no integer',
        new TextEncoder().encode(
          JSON.stringify({ seq: '9', body: { n: 9 }, sha256: sha256Hex(canonicalJson({ body: { n: 9 }, seq: '9' })) }),
        ),
      ],
      ['a refused body', copy(9, { refused: true })],
    ];
    const check = (body: unknown) => ((body as Record<string, unknown>)['refused'] === true ? undefined : accept(body));
    for (const [name, bytes] of bad) {
      const storage = new SimStorage();
      storage.write('doc.0', bytes);
      storage.write('doc.1', good);
      expect([name, readDual(storage, 'doc', check)]).toEqual([name, { seq: 1, body: { n: 1 } }]);
      const alone = new SimStorage();
      alone.write('doc.1', bytes);
      expect([name, readDual(alone, 'doc', check)]).toEqual([name, undefined]);
    }
    expect(readDual(new SimStorage(), 'doc', check)).toBeUndefined();
  });
});
