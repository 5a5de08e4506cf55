import { IpcError } from '../errors.js';

/**
 * A tiny validator kit for IPC bodies. Each check returns the typed value or throws
 * `IPC_INVALID_BODY` naming the path; the message types are inferred from the checks, so the
 * contract and its types cannot drift. Objects are strict: an unknown key is an error.
 */
export interface Check<T> {
  (value: unknown, path: string): T;
  readonly optional?: boolean;
}

export type Infer<C> = C extends Check<infer T> ? T : never;

type Shape = Record<string, Check<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends { readonly optional: true } ? K : never }[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
export type ObjectOf<S extends Shape> = { readonly [K in RequiredKeys<S>]: Infer<S[K]> } & {
  readonly [K in OptionalKeys<S>]?: Exclude<Infer<S[K]>, undefined>;
};

function fail(path: string, message: string): never {
  throw new IpcError('IPC_INVALID_BODY', `${path || '(body)'}: ${message}`);
}

export function string(maxLength: number, pattern?: RegExp): Check<string> {
  return (value, path) => {
    if (typeof value !== 'string') return fail(path, 'must be a string');
    if (value.length > maxLength) return fail(path, `must be at most ${maxLength} characters`);
    if (pattern !== undefined && !pattern.test(value)) return fail(path, `must match ${String(pattern)}`);
    return value;
  };
}

export function number(min: number, max: number): Check<number> {
  return (value, path) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return fail(path, 'must be a finite number');
    if (value < min || value > max) return fail(path, `must be within [${min}, ${max}]`);
    return value;
  };
}

export function integer(min: number, max: number): Check<number> {
  const n = number(min, max);
  return (value, path) => {
    const v = n(value, path);
    if (!Number.isSafeInteger(v)) return fail(path, 'must be an integer');
    return v;
  };
}

export const boolean: Check<boolean> = (value, path) => (typeof value === 'boolean' ? value : fail(path, 'must be a boolean'));

export function literal<const T extends string>(...values: readonly T[]): Check<T> {
  return (value, path) =>
    typeof value === 'string' && (values as readonly string[]).includes(value)
      ? (value as T)
      : fail(path, `must be one of ${values.join(', ')}`);
}

export function array<T>(item: Check<T>, maxItems: number): Check<readonly T[]> {
  return (value, path) => {
    if (!Array.isArray(value)) return fail(path, 'must be an array');
    if (value.length > maxItems) return fail(path, `must have at most ${maxItems} items`);
    return value.map((v: unknown, i) => item(v, `${path}[${i}]`));
  };
}

export function optional<T>(check: Check<T>): Check<T | undefined> & { readonly optional: true } {
  const c = (value: unknown, path: string) => (value === undefined ? undefined : check(value, path));
  return Object.assign(c, { optional: true as const });
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function object<S extends Shape>(shape: S): Check<ObjectOf<S>> {
  return (value, path) => {
    if (!isPlainObject(value)) return fail(path, 'must be an object');
    for (const key of Object.keys(value)) {
      if (!Object.hasOwn(shape, key)) fail(path === '' ? key : `${path}.${key}`, 'is not part of the contract');
    }
    const out: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(shape)) {
      const v = check(value[key], path === '' ? key : `${path}.${key}`);
      if (v !== undefined) out[key] = v;
    }
    return out as ObjectOf<S>;
  };
}

/** One of several object shapes, chosen by the string value of `key` (a discriminated union). */
export function variants<K extends string, V extends Record<string, Check<Record<K, string>>>>(key: K, byTag: V): Check<Infer<V[keyof V]>> {
  return (value, path) => {
    const tag = isPlainObject(value) ? value[key] : undefined;
    if (typeof tag !== 'string' || !Object.hasOwn(byTag, tag)) {
      return fail(path === '' ? key : `${path}.${key}`, `must be one of ${Object.keys(byTag).join(', ')}`);
    }
    const check = byTag[tag] as V[keyof V];
    return check(value, path) as Infer<V[keyof V]>;
  };
}
