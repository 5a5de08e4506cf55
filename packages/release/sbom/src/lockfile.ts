import { isRecord } from '@fwkit/device-core';
import { SbomError } from './errors.js';

/** One `packages` entry of package-lock.json (v2/v3), reduced to what the BOM uses. */
export interface LockEntry {
  readonly version: string | undefined;
  readonly integrity: string | undefined;
  /** Workspace links (`node_modules/@camera/platform` → `platform`). */
  readonly link: boolean;
  readonly resolved: string | undefined;
  /** Names of everything it depends on at run time (dependencies, optional and peer). */
  readonly dependencies: readonly string[];
}

export interface Lockfile {
  /** Entries keyed by folder relative to the lockfile (`node_modules/a/node_modules/b`). */
  readonly packages: ReadonlyMap<string, LockEntry>;
  /**
   * The checkout folders of the workspace packages (`packages/device/json`): each link under
   * node_modules/ to a folder inside the checkout that has a version, in lockfile order.
   */
  readonly workspaceDirs: readonly string[];
}

function invalid(message: string): SbomError {
  return new SbomError('SBOM_INPUT_INVALID', `package-lock.json: ${message}`);
}

function optionalString(entry: Record<string, unknown>, key: string, where: string): string | undefined {
  const value = entry[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(`packages["${where}"].${key} must be a string`);
  return value;
}

function dependencyNames(entry: Record<string, unknown>, where: string): string[] {
  const names = new Set<string>();
  for (const key of ['dependencies', 'optionalDependencies', 'peerDependencies']) {
    const deps = entry[key];
    if (deps === undefined) continue;
    if (!isRecord(deps)) throw invalid(`packages["${where}"].${key} must be an object`);
    for (const name of Object.keys(deps)) names.add(name);
  }
  return [...names].sort();
}

const parsed = new WeakMap<object, Lockfile>();

/**
 * Validate the parts of package-lock.json the BOM reads (lockfileVersion 2 or 3 `packages`). Once
 * per parsed document: a build of several products hands the same one to each product's SBOM.
 */
export function parseLockfile(value: unknown): Lockfile {
  if (!isRecord(value)) throw invalid('must be a JSON object');
  let lockfile = parsed.get(value);
  if (lockfile === undefined) {
    lockfile = indexLockfile(value);
    parsed.set(value, lockfile);
  }
  return lockfile;
}

function indexLockfile(value: Record<string, unknown>): Lockfile {
  const version = value['lockfileVersion'];
  if (version !== 2 && version !== 3) throw invalid(`lockfileVersion ${String(version)} is not supported (need 2 or 3)`);
  const packages = value['packages'];
  if (!isRecord(packages)) throw invalid('"packages" must be an object');
  const out = new Map<string, LockEntry>();
  for (const [key, entry] of Object.entries(packages)) {
    if (!isRecord(entry)) throw invalid(`packages["${key}"] must be an object`);
    out.set(key, {
      version: optionalString(entry, 'version', key),
      integrity: optionalString(entry, 'integrity', key),
      link: entry['link'] === true,
      resolved: optionalString(entry, 'resolved', key),
      dependencies: dependencyNames(entry, key),
    });
  }
  const workspaceDirs = new Set<string>();
  for (const [key, entry] of out) {
    const dir = entry.resolved;
    if (!entry.link || dir === undefined || !key.startsWith('node_modules/')) continue;
    if (dir !== '' && !dir.startsWith('../') && !dir.startsWith('/') && out.get(dir)?.version !== undefined) workspaceDirs.add(dir);
  }
  return { packages: out, workspaceDirs: [...workspaceDirs] };
}

/**
 * Where Node would find `name` when it is required from the package in `dir`: `dir/node_modules/name`,
 * then the same in every enclosing folder up to the root. Undefined when the lockfile has no such entry.
 */
export function resolveDependency(lockfile: Lockfile, dir: string, name: string): string | undefined {
  const parts = dir === '' ? [] : dir.split('/');
  for (let i = parts.length; i >= 0; i--) {
    const prefix = parts.slice(0, i).join('/');
    const candidate = prefix === '' ? `node_modules/${name}` : `${prefix}/node_modules/${name}`;
    if (lockfile.packages.has(candidate)) return candidate;
  }
  return undefined;
}

const INTEGRITY_BYTES = { sha512: 64 } as const;

/**
 * The SHA-512 digest (hex) in an SRI `integrity` string (`sha512-<base64>`, possibly among other
 * hashes). npm's older sha1 integrity is not carried over: it proves nothing.
 */
export function sha512FromIntegrity(integrity: string | undefined, where: string): string | undefined {
  if (integrity === undefined) return undefined;
  for (const token of integrity.trim().split(/\s+/)) {
    const match = /^sha512-([A-Za-z0-9+/]+={0,2})(?:\?.*)?$/.exec(token);
    if (match?.[1] === undefined) continue;
    const digest = Buffer.from(match[1], 'base64');
    if (digest.byteLength !== INTEGRITY_BYTES.sha512) throw invalid(`packages["${where}"].integrity has a malformed sha512 digest`);
    return digest.toString('hex');
  }
  return undefined;
}
