import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isIsoDay, MAX_SOURCE_DATE_EPOCH, parseIsoDay, parseIsoInstant, parseSourceDateEpoch } from './time.js';

const FIRST = Date.UTC(1970, 0, 1);
const LAST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const instants = fc.integer({ min: FIRST, max: LAST }).map((ms) => new Date(ms));
const pad = (n: number, width = 2) => String(n).padStart(width, '0');
/** The (ASCII) characters of `s`, for strings near a form. */
const chars = (s: string): string[] => Array.from(s);

/** `date` as a local time at `offsetMinutes` east of UTC, with that offset written out. */
function withOffset(date: Date, offsetMinutes: number): string {
  const local = new Date(date.getTime() + offsetMinutes * 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local.toISOString().slice(0, 23)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

describe('parseIsoInstant (--now)', () => {
  it('round-trips every instant in range written in UTC (property)', () => {
    fc.assert(
      fc.property(instants, (date) => {
        expect(parseIsoInstant(date.toISOString())?.getTime()).toBe(date.getTime());
        // Whole seconds without a fraction, as people write them.
        const seconds = new Date(Math.floor(date.getTime() / 1000) * 1000);
        expect(parseIsoInstant(seconds.toISOString().replace('.000Z', 'Z'))?.getTime()).toBe(seconds.getTime());
      }),
    );
  });

  it('reads an offset as the same instant (property)', () => {
    fc.assert(
      fc.property(instants, fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }), (date, offset) => {
        const text = withOffset(date, offset);
        const year = new Date(date.getTime() + offset * 60_000).getUTCFullYear();
        fc.pre(year >= 1970 && year <= 9999);
        expect(parseIsoInstant(text)?.getTime(), text).toBe(date.getTime());
      }),
    );
  });

  it('accepts only its form: whatever it accepts is YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM) (property)', () => {
    const form = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2})$/;
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom(...chars('0123456789-:TZ.+ tz')) })), (text) => {
        if (parseIsoInstant(text) !== undefined) expect(text).toMatch(form);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    '0',
    '',
    '1764756000',
    '2026-12-03',
    '2026-12-03T10:00:00',
    '2026-12-03T10:00Z',
    '2026-12-03 10:00:00Z',
    '2026-12-03t10:00:00z',
    ' 2026-12-03T10:00:00Z',
    '2026-12-03T10:00:00Z ',
    '2026-12-03T10:00:00.1234Z',
    '2026-12-03T10:00:00+0100',
    '2026-12-03T10:00:00+24:00',
    '2026-12-03T24:00:00Z',
    '2016-12-31T23:59:60Z',
    '2026-02-30T10:00:00Z',
    '1969-12-31T23:59:59Z',
    '1970-01-01T00:30:00+01:00',
    '+012026-12-03T10:00:00Z',
    'Thu, 03 Dec 2026 10:00:00 GMT',
    'now',
  ])('refuses %j', (text) => {
    expect(parseIsoInstant(text)).toBeUndefined();
  });

  it('accepts the documented examples', () => {
    expect(parseIsoInstant('2026-12-03T10:00:00Z')?.toISOString()).toBe('2026-12-03T10:00:00.000Z');
    expect(parseIsoInstant('2026-12-03T11:30:00+01:30')?.toISOString()).toBe('2026-12-03T10:00:00.000Z');
    expect(parseIsoInstant('2026-12-03T05:00:00.5-05:00')?.toISOString()).toBe('2026-12-03T10:00:00.500Z');
    expect(parseIsoInstant('2024-02-29T00:00:00Z')?.toISOString()).toBe('2024-02-29T00:00:00.000Z');
  });
});

describe('parseIsoDay (--date)', () => {
  it('round-trips every day in range (property)', () => {
    fc.assert(
      fc.property(instants, (date) => {
        const day = date.toISOString().slice(0, 10);
        expect(parseIsoDay(day)).toBe(day);
      }),
    );
  });

  it('accepts only real days written YYYY-MM-DD (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom(...chars('0123456789-')) })), (text) => {
        if (isIsoDay(text)) expect(new Date(`${text}T00:00:00Z`).toISOString().slice(0, 10)).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    '2026-02-30',
    '2026-02-29',
    '2026-04-31',
    '2026-13-01',
    '2026-00-10',
    '2026-01-00',
    '0000-01-01',
    '1969-12-31',
    '2026-1-01',
    '20260101',
    '',
    '0',
    '2026-12-03T00:00:00Z',
    ' 2026-12-03',
    '+02026-12-03',
  ])('refuses %j', (text) => {
    expect(parseIsoDay(text)).toBeUndefined();
  });

  it('accepts leap days and the ends of the range', () => {
    expect(['2024-02-29', '2000-02-29', '1970-01-01', '9999-12-31'].map(isIsoDay)).toEqual([true, true, true, true]);
    expect(isIsoDay('1900-02-29')).toBe(false);
  });
});

describe('parseSourceDateEpoch (SOURCE_DATE_EPOCH)', () => {
  it('round-trips every value in range (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_SOURCE_DATE_EPOCH }), (seconds) => {
        expect(parseSourceDateEpoch(String(seconds))).toBe(seconds);
      }),
    );
  });

  it('accepts nothing but the canonical decimal form (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom(...chars('0123456789 +-.ex_')) })), (text) => {
        const seconds = parseSourceDateEpoch(text);
        if (seconds !== undefined) expect(String(seconds)).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    '',
    ' ',
    '-1',
    '+1',
    '01',
    '00',
    '1e9',
    '1.0',
    '0x10',
    ' 1',
    '1 ',
    '1_000',
    'Infinity',
    'NaN',
    '٣',
    String(MAX_SOURCE_DATE_EPOCH + 1),
    '99999999999',
  ])('refuses %j', (text) => {
    expect(parseSourceDateEpoch(text)).toBeUndefined();
  });

  it('accepts 0 and the largest value', () => {
    expect(parseSourceDateEpoch('0')).toBe(0);
    expect(parseSourceDateEpoch('1767225600')).toBe(1_767_225_600);
    expect(parseSourceDateEpoch(String(MAX_SOURCE_DATE_EPOCH))).toBe(MAX_SOURCE_DATE_EPOCH);
  });
});
