import { isIsoDay } from '@fwkit/device-core';

const MS_PER_DAY = 86_400_000;

/** The UTC day (YYYY-MM-DD) of an instant in seconds since 1970: a release's date from SOURCE_DATE_EPOCH. */
export function dayOfEpoch(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

/**
 * The calendar day `days` after `day` (before, when negative). `day` must be a YYYY-MM-DD day
 * (`isIsoDay`); the callers hold validated dates, so anything else is a bug.
 */
export function addDays(day: string, days: number): string {
  if (!isIsoDay(day)) throw new Error(`internal: addDays needs a day YYYY-MM-DD, not "${day}"`);
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * MS_PER_DAY).toISOString().slice(0, 10);
}
