import { canonicalJson, parseJsonBytes, sha256Hex } from '@fwkit/device-core';
import { parentOf, type DeviceStorage } from './storage.js';

/** The device directory (docs/device.md, "On-disk layout"). */
export const LAYOUT = Object.freeze({
  identity: 'device.json',
  trustRoot: 'root.json',
  policy: 'policy.json',
  deviceKey: 'device-key.pem',
  lock: 'install.lock',
  bootDir: 'boot',
  /** Two alternating copies each, `<name>.0` and `<name>.1`, the higher valid sequence wins. */
  record: 'boot/record',
  counter: 'boot/counter',
  slotsDir: 'slots',
});

export type SlotName = 'a' | 'b';
export const SLOT_NAMES: readonly SlotName[] = ['a', 'b'];
export const otherSlot = (slot: SlotName): SlotName => (slot === 'a' ? 'b' : 'a');
export const slotDir = (slot: SlotName): string => `${LAYOUT.slotsDir}/${slot}`;

export type BootState = 'idle' | 'installing' | 'trial' | 'committed' | 'reverted';

/** What the record knows of a slot that holds a complete, verified image; null: invalid (empty, partial or bad). */
export interface SlotInfo {
  readonly version: string;
  readonly security: number;
  readonly manifestSha256: string;
}

/** The boot-control record. */
export interface BootRecord {
  readonly state: BootState;
  /** The committed slot: what boots when no trial is pending. */
  readonly active: SlotName;
  readonly trial: SlotName | null;
  readonly attemptsLeft: number;
  readonly slots: Readonly<Record<SlotName, SlotInfo | null>>;
  readonly last: { readonly result: string; readonly reason: string };
}

const STATES: readonly string[] = ['idle', 'installing', 'trial', 'committed', 'reverted'];

function isSlotName(value: unknown): value is SlotName {
  return value === 'a' || value === 'b';
}

function slotInfoOf(value: unknown): SlotInfo | null | undefined {
  if (value === null) return null;
  if (typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v['version'] !== 'string' || !Number.isSafeInteger(v['security']) || typeof v['manifestSha256'] !== 'string') return undefined;
  return { version: v['version'], security: v['security'] as number, manifestSha256: v['manifestSha256'] };
}

/** The record's body, checked once here; undefined when it is not one (a copy is then ignored). */
export function bootRecordOf(value: unknown): BootRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const slotsValue: unknown = v['slots'];
  const lastValue: unknown = v['last'];
  if (typeof slotsValue !== 'object' || slotsValue === null || typeof lastValue !== 'object' || lastValue === null) return undefined;
  const slots = slotsValue as Record<string, unknown>;
  const last = lastValue as Record<string, unknown>;
  const a = slotInfoOf(slots['a']);
  const b = slotInfoOf(slots['b']);
  const { state, active, trial, attemptsLeft } = v;
  if (typeof state !== 'string' || !STATES.includes(state) || !isSlotName(active)) return undefined;
  if (!(trial === null || isSlotName(trial)) || !Number.isSafeInteger(attemptsLeft) || (attemptsLeft as number) < 0) return undefined;
  if (a === undefined || b === undefined || typeof last['result'] !== 'string' || typeof last['reason'] !== 'string') return undefined;
  return {
    state: state as BootState,
    active,
    trial,
    attemptsLeft: attemptsLeft as number,
    slots: { a, b },
    last: { result: last['result'], reason: last['reason'] },
  };
}

export interface Versioned<T> {
  readonly seq: number;
  readonly body: T;
}

/**
 * Reads a two-copy document: each copy is `{seq, body, sha256}` where sha256 covers the canonical
 * `{body, seq}`; a torn or half-renamed copy fails its checksum and the other copy stands.
 */
export function readDual<T>(storage: DeviceStorage, base: string, check: (body: unknown) => T | undefined): Versioned<T> | undefined {
  let best: Versioned<T> | undefined;
  for (const copy of [0, 1]) {
    const bytes = storage.read(`${base}.${copy}`);
    if (bytes === undefined) continue;
    let doc: unknown;
    try {
      doc = parseJsonBytes(bytes, base);
    } catch {
      continue; // torn: the checksum could not even be read; the other copy decides
    }
    if (typeof doc !== 'object' || doc === null) continue;
    const { seq, body, sha256 } = doc as Record<string, unknown>;
    if (!Number.isSafeInteger(seq) || typeof sha256 !== 'string') continue;
    if (sha256Hex(canonicalJson({ body, seq })) !== sha256) continue;
    const checked = check(body);
    if (checked === undefined) continue;
    if (best === undefined || (seq as number) > best.seq) best = { seq: seq as number, body: checked };
  }
  return best;
}

/**
 * Writes the next sequence of a two-copy document over the OLDER copy, atomically: a temp file,
 * fsync, rename over the copy, fsync of the directory. A cut at any point leaves the newer copy
 * intact, so the old or the new document is read, never a mix.
 */
export function writeDual(storage: DeviceStorage, site: string, base: string, seq: number, body: unknown): void {
  const bytes = new TextEncoder().encode(`${JSON.stringify({ seq, body, sha256: sha256Hex(canonicalJson({ body, seq })) })}\n`);
  const file = `${base}.${seq % 2}`;
  const temp = `${file}.tmp`;
  storage.write(temp, bytes);
  storage.fsync(temp, `${site}.fsync`);
  storage.rename(temp, file);
  storage.fsyncDir(parentOf(file), `${site}.fsyncDir`);
}

export interface CounterBody {
  readonly security: number;
}

export function counterOf(value: unknown): CounterBody | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const security = (value as Record<string, unknown>)['security'];
  return Number.isSafeInteger(security) && (security as number) >= 0 ? { security: security as number } : undefined;
}
