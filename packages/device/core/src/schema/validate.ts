import { isJsonParseError, parseJson } from '@fwkit/device-json';
import { SchemaError } from '../errors.js';

/** `hardware[1].ramBytes` from the path `['hardware', 1, 'ramBytes']`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/**
 * The one way fwkit reads JSON text: @fwkit/device-json's strict reader (RFC 8259, duplicate keys and lone
 * surrogates refused, bounded depth) with a coded error that gives line, column, byte offset and
 * path but never the document's content.
 */
export function parseJsonText(text: string, what: string): unknown {
  try {
    return parseJson(text);
  } catch (cause) {
    if (!isJsonParseError(cause)) throw cause;
    const code = cause.code === 'JSON_DUPLICATE_KEY' ? 'JSON_DUPLICATE_KEY' : 'JSON_INVALID';
    const { line, column, offset } = cause;
    throw new SchemaError(code, what, [{ path: cause.path, message: `${cause.reason} (line ${line}, column ${column}, byte ${offset})` }], {
      cause,
    });
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** parseJsonText for bytes read from a file: they must be UTF-8 (a BOM is refused, as RFC 8259 allows). */
export function parseJsonBytes(bytes: Uint8Array, what: string): unknown {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch (cause) {
    throw new SchemaError('JSON_INVALID', what, [{ path: '', message: 'not UTF-8' }], { cause });
  }
  return parseJsonText(text, what);
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
