/**
 * The time inputs fwkit accepts, parsed in one place: `--now` (an instant), `--date` (a calendar
 * day) and `SOURCE_DATE_EPOCH` (seconds). Each accepts only its documented form and returns
 * undefined for anything else — `new Date()` and `Number()` take "0", "", "1e9" and " 12 " and
 * guess (`new Date("0")` is 2000-01-01). Pure: no clock, no environment.
 */

/** Years a time input may name: from the Unix epoch to the last four-digit year. */
export const MIN_YEAR = 1970;
export const MAX_YEAR = 9999;

/** The largest SOURCE_DATE_EPOCH: the image's tar mtime field limit (2038-01-19T03:14:07Z). */
export const MAX_SOURCE_DATE_EPOCH = 2 ** 31 - 1;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;
const EPOCH = /^(?:0|[1-9]\d{0,9})$/;

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Milliseconds since the epoch of a real calendar day in range, else undefined. */
function dayMs(year: string, month: string, day: string): number | undefined {
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  if (y < MIN_YEAR || y > MAX_YEAR || m < 1 || m > 12 || d < 1 || d > daysIn(y, m)) return undefined;
  return Date.UTC(y, m - 1, d);
}

/** `--date`: exactly YYYY-MM-DD, a real calendar day (2026-02-30 is refused), years 1970–9999. */
export function parseIsoDay(text: string): string | undefined {
  const match = DAY.exec(text);
  if (match === null) return undefined;
  const [, y = '', m = '', d = ''] = match;
  return dayMs(y, m, d) === undefined ? undefined : text;
}

/** True for a day `parseIsoDay` accepts. */
export function isIsoDay(text: string): boolean {
  return parseIsoDay(text) !== undefined;
}

/**
 * `--now`: an RFC 3339 date-time with its offset, `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`, e.g.
 * 2026-12-03T10:00:00Z or 2026-12-03T11:00:00+01:00. Upper-case T and Z; no bare date (midnight
 * where?), no leap second, an offset of at most ±23:59, a UTC instant in years 1970–9999.
 */
export function parseIsoInstant(text: string): Date | undefined {
  const match = INSTANT.exec(text);
  if (match === null) return undefined;
  const [, y = '', mo = '', d = '', h = '', mi = '', s = '', fraction = '', zulu, sign, oh = '', om = ''] = match;
  const day = dayMs(y, mo, d);
  const [hours, minutes, seconds, offsetHours, offsetMinutes] = [h, mi, s, oh, om].map(Number);
  if (day === undefined || hours === undefined || minutes === undefined || seconds === undefined) return undefined;
  if (hours > 23 || minutes > 59 || seconds > 59) return undefined;
  let offset = 0;
  if (zulu === undefined) {
    if (offsetHours === undefined || offsetMinutes === undefined || offsetHours > 23 || offsetMinutes > 59) return undefined;
    offset = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  }
  const ms = day + ((hours * 60 + minutes) * 60 + seconds) * 1000 + Number(fraction.padEnd(3, '0')) - offset;
  const instant = new Date(ms);
  const year = instant.getUTCFullYear();
  return year < MIN_YEAR || year > MAX_YEAR ? undefined : instant;
}

/**
 * `SOURCE_DATE_EPOCH`: decimal digits only (the output of `date +%s`): no sign, no space, no
 * exponent, no leading zero except "0" itself; at most MAX_SOURCE_DATE_EPOCH. An empty value is
 * refused like any other bad value, not taken as unset.
 */
export function parseSourceDateEpoch(text: string): number | undefined {
  if (!EPOCH.test(text)) return undefined;
  const seconds = Number(text);
  return seconds <= MAX_SOURCE_DATE_EPOCH ? seconds : undefined;
}
