const MS_PER_DAY = 86_400_000;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The UTC day (YYYY-MM-DD) of an instant in seconds since 1970: a release's date from SOURCE_DATE_EPOCH. */
export function dayOfEpoch(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

/**
 * The calendar day `days` after `day` (before, when negative), for any day a document may hold
 * (years 0000–9999, as the schemas' `isoDate`). A result outside those years is held at the first
 * or last day, so that it still compares as a day string. Anything but YYYY-MM-DD is a bug here:
 * the callers hold validated dates.
 */
export function addDays(day: string, days: number): string {
  const match = DAY.exec(day);
  if (match === null) throw new Error(`internal: addDays needs a day YYYY-MM-DD, not "${day}"`);
  const [, y = '', m = '', d = ''] = match;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(m) - 1, Number(d));
  const moved = new Date(date.getTime() + days * MS_PER_DAY);
  const year = moved.getUTCFullYear();
  if (year < 0) return '0000-01-01';
  if (year > 9999) return '9999-12-31';
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  return `${pad(year, 4)}-${pad(moved.getUTCMonth() + 1, 2)}-${pad(moved.getUTCDate(), 2)}`;
}
