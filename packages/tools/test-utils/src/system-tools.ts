import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FwkitError } from '@fwkit/device-core';
import { describe, it, type TestFunction } from 'vitest';

/**
 * Optional system tools and capabilities (root, namespaces, …) that some tests need. Node and npm
 * are all a machine needs for `npm test`: a test that needs more skips with a notice naming the
 * Debian package, and fails instead when FWKIT_REQUIRE_TOOLS=1 (CI, where .ci/run installed them
 * all from the same list, system-tools.json).
 */
export interface SystemTool {
  readonly name: string;
  readonly kind: 'command' | 'capability';
  /** The argv whose exit 0 means present (`{dir}`: a fresh temp dir); null: the process runs as uid 0. */
  readonly probe: readonly string[] | null;
  /** The Debian package that provides it; null when no package can (root). */
  readonly debian: string | null;
  readonly hint: string | undefined;
  readonly neededBy: string;
}

export type SystemToolErrorCode = 'TOOL_MISSING' | 'TOOL_UNKNOWN' | 'TOOLS_LIST_INVALID' | 'TOOLS_ENV_INVALID';

export class SystemToolError extends FwkitError<SystemToolErrorCode> {
  override readonly name = 'SystemToolError';
}

export const SYSTEM_TOOLS_PATH = new URL('../system-tools.json', import.meta.url);
export const REQUIRE_TOOLS_ENV = 'FWKIT_REQUIRE_TOOLS';

/** Validates the list once, here; everything else works on typed, frozen entries. */
export function systemToolsFromJSON(doc: unknown): readonly SystemTool[] {
  const bad = (why: string): never => {
    throw new SystemToolError('TOOLS_LIST_INVALID', `system-tools.json: ${why}`);
  };
  const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';
  if (typeof doc !== 'object' || doc === null || !('tools' in doc) || !Array.isArray(doc.tools)) return bad('no "tools" array');
  const seen = new Set<string>();
  return Object.freeze(
    (doc.tools as unknown[]).map((raw, i): SystemTool => {
      if (typeof raw !== 'object' || raw === null) return bad(`tools[${i}] is not an object`);
      const t = raw as Record<string, unknown>;
      const { name, kind, probe, debian, hint, neededBy } = t;
      if (!isString(name) || seen.has(name)) return bad(`tools[${i}].name is missing or repeated`);
      seen.add(name);
      if (kind !== 'command' && kind !== 'capability') return bad(`${name}: kind must be "command" or "capability"`);
      const argv =
        probe === null ? null : Array.isArray(probe) && probe.length > 0 && probe.every(isString) ? probe : bad(`${name}: bad probe`);
      if (kind === 'command' && argv === null) return bad(`${name}: a command needs a probe argv`);
      if (debian !== null && !(isString(debian) && /^[a-z0-9][a-z0-9+.-]+$/.test(debian))) return bad(`${name}: bad debian package`);
      if (kind === 'command' && debian === null) return bad(`${name}: a command needs its Debian package`);
      if (kind === 'capability' && !isString(hint)) return bad(`${name}: a capability needs a hint`);
      if (hint !== undefined && !isString(hint)) return bad(`${name}: bad hint`);
      if (!isString(neededBy)) return bad(`${name}: neededBy is missing`);
      return Object.freeze({ name, kind, probe: argv === null ? null : Object.freeze([...argv]), debian, hint, neededBy });
    }),
  );
}

let listCache: readonly SystemTool[] | undefined;

/** The list in system-tools.json. */
export function systemTools(): readonly SystemTool[] {
  listCache ??= systemToolsFromJSON(JSON.parse(readFileSync(SYSTEM_TOOLS_PATH, 'utf8')));
  return listCache;
}

/** The Debian packages that provide the list's tools, sorted and without repeats: what CI installs. */
export function debianPackagesOf(tools: readonly SystemTool[]): string[] {
  return [...new Set(tools.flatMap((t) => (t.debian === null ? [] : [t.debian])))].sort();
}

function toolNamed(name: string, tools: readonly SystemTool[]): SystemTool {
  const tool = tools.find((t) => t.name === name);
  if (tool === undefined) throw new SystemToolError('TOOL_UNKNOWN', `"${name}" is not in system-tools.json: add it there first`);
  return tool;
}

/** FWKIT_REQUIRE_TOOLS: "1" turns skips into failures; unset, "" or "0" skips. Anything else is a mistake. */
export function requireToolsFrom(env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env[REQUIRE_TOOLS_ENV];
  if (value === undefined || value === '' || value === '0') return false;
  if (value === '1') return true;
  throw new SystemToolError('TOOLS_ENV_INVALID', `${REQUIRE_TOOLS_ENV} must be 1 or 0, not "${value}"`);
}

/** What is missing, as a person reads it: "missing bsdtar — apt-get install libarchive-tools". */
export function missingText(tool: SystemTool): string {
  if (tool.kind === 'capability') return `needs ${tool.name} — ${tool.hint ?? `apt-get install ${tool.debian ?? '?'}`}`;
  return `missing ${tool.name} — apt-get install ${tool.debian ?? '?'}`;
}

export interface ToolsMissing {
  readonly action: 'skip' | 'fail';
  readonly missing: readonly SystemTool[];
  readonly notice: string;
}
export type ToolDecision = { readonly action: 'run' } | ToolsMissing;

/** Pure: run when every tool is present; otherwise skip, or fail when tools are required (CI). */
export function decideTools(
  tools: readonly SystemTool[],
  isPresent: (tool: SystemTool) => boolean,
  requireTools: boolean,
  title: string,
): ToolDecision {
  const missing = tools.filter((t) => !isPresent(t));
  if (missing.length === 0) return { action: 'run' };
  const what = missing.map(missingText).join('; ');
  return requireTools
    ? { action: 'fail', missing, notice: `FAIL (${REQUIRE_TOOLS_ENV}=1 and ${what}): ${title}` }
    : { action: 'skip', missing, notice: `SKIP (${what}): ${title}` };
}

/** Runs a tool's probe with this process's PATH and privileges; true when it exits 0. */
export function probeTool(tool: SystemTool, env: NodeJS.ProcessEnv = process.env): boolean {
  if (tool.probe === null) return process.getuid?.() === 0;
  const needsDir = tool.probe.some((a) => a.includes('{dir}'));
  const dir = needsDir ? mkdtempSync(join(tmpdir(), 'fwkit-probe-')) : '';
  try {
    const [command = '', ...args] = tool.probe.map((a) => a.replaceAll('{dir}', dir));
    const result = spawnSync(command, args, { stdio: 'ignore', env, timeout: 10_000 });
    return result.error === undefined && result.status === 0;
  } finally {
    if (needsDir) rmSync(dir, { recursive: true, force: true });
  }
}

const probed = new Map<string, boolean>();
const noticed = new Set<string>();

function decide(names: string | readonly string[], title: string): ToolDecision {
  const all = systemTools();
  const wanted = (typeof names === 'string' ? [names] : names).map((n) => toolNamed(n, all));
  const decision = decideTools(
    wanted,
    (tool) => {
      let present = probed.get(tool.name);
      if (present === undefined) probed.set(tool.name, (present = probeTool(tool)));
      return present;
    },
    requireToolsFrom(process.env),
    title,
  );
  // Loud, but once per missing tool (per test file: each runs in its own module graph).
  if (decision.action !== 'run' && decision.missing.some((t) => !noticed.has(t.name))) {
    for (const t of decision.missing) noticed.add(t.name);
    process.stderr.write(`\nfwkit: ${decision.notice}\n`);
  }
  return decision;
}

function failure(decision: ToolsMissing): never {
  throw new SystemToolError('TOOL_MISSING', decision.notice, { details: { missing: decision.missing.map((t) => t.name) } });
}

/** `it` that needs system tools or capabilities: runs, skips with a notice, or fails under FWKIT_REQUIRE_TOOLS=1. */
export function itWithTools(tools: string | readonly string[], title: string, fn: TestFunction, timeout?: number): void {
  const decision = decide(tools, title);
  if (decision.action === 'run') it(title, fn, timeout);
  else if (decision.action === 'skip') it.skip(title, fn, timeout);
  else
    it(title, () => {
      failure(decision);
    });
}

/** `describe` whose tests all need system tools or capabilities (see itWithTools). */
export function describeWithTools(tools: string | readonly string[], title: string, fn: () => void): void {
  const decision = decide(tools, title);
  if (decision.action === 'run') describe(title, fn);
  else if (decision.action === 'skip') describe.skip(title, fn);
  else
    describe(title, () => {
      it(`has ${decision.missing.map((t) => t.name).join(', ')}`, () => {
        failure(decision);
      });
    });
}

/** What the device launcher needs to isolate a firmware's domains (its own check is @fwkit/device-run's isolationHost). */
export const OS_ISOLATION: readonly string[] = ['root', 'namespaces', 'setpriv', 'bubblewrap'];

/**
 * For tests that can run another way without the tools (e.g. boots in the development mode
 * without OS isolation): true when every tool is present; false, with a notice naming the other
 * way, when one is missing; under FWKIT_REQUIRE_TOOLS=1 it throws instead.
 */
export function haveTools(tools: readonly string[], otherwise: string): boolean {
  const decision = decide(tools, otherwise);
  if (decision.action === 'fail') failure(decision);
  return decision.action === 'run';
}

/**
 * For `it.skipIf(skipWithout('bsdtar'))(…)`, `it.each` and the like: true (skip, with the notice)
 * when a tool is missing. Under FWKIT_REQUIRE_TOOLS=1 it throws instead, failing the whole file.
 */
export function skipWithout(...tools: string[]): boolean {
  const decision = decide(tools, `tests that need ${tools.join(', ')}`);
  if (decision.action === 'fail') failure(decision);
  return decision.action === 'skip';
}
