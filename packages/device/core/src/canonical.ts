import { canonicalize } from '@tufjs/canonical-json';

/**
 * Canonical JSON as TUF defines it (OLPC canonical JSON: keys sorted, no insignificant
 * whitespace, integers only, only `"` and `\` escaped), encoded as UTF-8. These are the bytes
 * that get hashed and signed, so one value has exactly one byte form.
 */
export function canonicalJsonString(value: unknown): string {
  return canonicalize(value);
}

export function canonicalJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalize(value));
}
