import type { z } from 'zod';
import { SchemaError, type SchemaIssue } from '../errors.js';

/** `hardware[1].ramBytes` from zod's `['hardware', 1, 'ramBytes']`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

export function issuesOf(error: z.ZodError): SchemaIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/** Validate once at the boundary: every problem reported with its path, the result frozen. */
export function parseDocument<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new SchemaError('SCHEMA_INVALID', what, issuesOf(result.error));
  return deepFreeze(result.data);
}

/** JSON.parse with a coded error instead of a SyntaxError. */
export function parseJsonText(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new SchemaError('JSON_INVALID', what, [{ path: '', message: (cause as Error).message }], { cause });
  }
}

export function deepFreeze<T>(value: T): T {
  // A stack, not recursion: kept unknown fields can nest deeper than the call stack (found by fuzzing).
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (item !== null && typeof item === 'object' && !Object.isFrozen(item)) {
      Object.freeze(item);
      for (const child of Object.values(item)) pending.push(child);
    }
  }
  return value;
}
