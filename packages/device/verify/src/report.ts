// What `fwkit verify` and `fwkit-device verify` share, so that the two give the same answer in the
// same words: reading the trust root and device documents, `--now`, the verdict's text and --json
// shape, and how an error becomes an exit status and a --json line (docs/decisions.md, device CLI).
import { resolve } from 'node:path';
import {
  deviceIdentityFromJSON,
  INPUT_LIMITS,
  isFwkitError,
  parseIsoInstant,
  readJsonInputFile,
  type DeviceIdentity,
} from '@fwkit/device-core';
import { trustRootFromJSON, type TrustRoot } from '@fwkit/device-trust';
import { UsageError } from './errors.js';
import { EXIT } from './exit.js';
import { describeDevice, type VerifiedImage } from './verify.js';

/** The trust root at `path` (relative to `cwd`), within its size limit, valid at `now`. */
export async function loadTrustRoot(cwd: string, path: string, now: Date): Promise<TrustRoot> {
  return trustRootFromJSON(await readJsonInputFile(resolve(cwd, path), 'trust root', INPUT_LIMITS.trustRoot), now);
}

/** The device identity document at `path` (relative to `cwd`), within its size limit. */
export async function loadDeviceIdentity(cwd: string, path: string): Promise<DeviceIdentity> {
  return deviceIdentityFromJSON(await readJsonInputFile(resolve(cwd, path), 'device identity', INPUT_LIMITS.deviceIdentity), path);
}

/** `--now`: an RFC 3339 date-time with its offset (a bare date or a number is a usage error); the wall clock when absent. */
export function nowOption(value: string | undefined): Date {
  if (value === undefined) return new Date();
  const now = parseIsoInstant(value);
  if (now === undefined) {
    throw new UsageError(`--now "${value}" is not a date-time with its offset, e.g. 2026-12-03T10:00:00Z or 2026-12-03T11:00:00+01:00`);
  }
  return now;
}

/** A rule `verify` could not check for the chosen device (its output says so): the device rules, or the installed-firmware rules. */
export type UncheckedRule = 'device' | 'upgradeFrom' | 'securityVersion';

/** What a verification did not establish, as its output says: a factory-fresh device, the rules not checked, and why. */
export interface Unchecked {
  readonly factory: boolean;
  readonly notChecked: readonly UncheckedRule[];
  readonly note: string | null;
}

/** The verdict on a verified image, as `--json` prints it. */
export interface VerifySummary extends Unchecked {
  readonly ok: true;
  readonly code: null;
  readonly message: string;
  readonly image: Record<string, unknown>;
  readonly devices: readonly ReturnType<typeof describeDevice>[];
}

/** The rules that compare the image with the installed firmware, as notes name them. */
export const installedRules = (upgradeFrom: string): string => `upgradeFrom (${upgradeFrom}) and the security version`;

/**
 * What a verification against a device.json did not establish: nothing, unless the device has no
 * `installed` firmware — a factory-fresh device (provisioning), where upgradeFrom and the security
 * version do not apply. (`fwkit verify --model/--hw` and `--any-device` say what they skipped themselves.)
 */
export function uncheckedOnDevice(verified: VerifiedImage): Unchecked {
  if (verified.devices[0]?.device.installed !== undefined) return { factory: false, notChecked: [], note: null };
  return {
    factory: true,
    notChecked: ['upgradeFrom', 'securityVersion'],
    note: `factory provisioning: the device has no installed firmware, so ${installedRules(verified.manifest.upgradeFrom)} do not apply`,
  };
}

/** The summary of a verified image; `imageArg` is the path as the user gave it. */
export function verifySummary(imageArg: string, verified: VerifiedImage, unchecked: Unchecked): VerifySummary {
  const { manifest } = verified;
  return {
    ok: true,
    code: null,
    message: `${imageArg}: verified (${manifest.model} ${manifest.versions.firmware}, signed by ${verified.signers.length} key(s); identity ${verified.manifestSha256})`,
    image: {
      model: manifest.model,
      firmware: manifest.versions.firmware,
      platform: manifest.versions.platform,
      security: manifest.versions.security,
      manifestSha256: verified.manifestSha256,
      ...(verified.fileSha256 === undefined ? {} : { fileSha256: verified.fileSha256 }),
      bytes: verified.imageBytes,
      signers: verified.signers,
      exampleKeys: verified.exampleKeys,
    },
    devices: verified.devices.map((r) => describeDevice(r.device)),
    factory: unchecked.factory,
    notChecked: unchecked.notChecked,
    note: unchecked.note,
  };
}

/** The summary as printed: one JSON line, or the message with its warning and note. */
export function renderSummary(summary: VerifySummary, exampleKeys: boolean, json: boolean): string {
  if (json) return JSON.stringify(summary);
  const lines = [summary.message];
  if (exampleKeys) lines.push('WARNING: signed with EXAMPLE keys (keys.example) — not for production');
  if (summary.note !== null) lines.push(`NOTE: ${summary.note}`);
  return lines.join('\n');
}

/** How a failed command ends: its exit status, its --json line, and the line for stderr (without the program's name). */
export interface ErrorOutcome {
  readonly status: number;
  readonly json: ErrorJson;
  readonly line: string;
  /** A usage error: the caller prints its usage text after the line. */
  readonly usage: boolean;
}

/**
 * A failure as every command's --json prints it (schemas/cli-output.schema.json): the code, the
 * message, and the error's structured facts once, under details (a schema error's issues, a
 * gate's reasons). A command may add its own data beside them (a device's status, a gate's matrix).
 */
export interface ErrorJson {
  readonly ok: false;
  readonly code: string;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * The one mapping from an error to an exit status: a usage error (or parseArgs' ERR_PARSE_ARGS_*)
 * exits 2, a coded error 1 with its code, anything else is a bug (3, with its stack).
 */
export function errorOutcome(error: unknown): ErrorOutcome {
  // parseArgs throws plain TypeErrors with ERR_PARSE_ARGS_* codes for unknown or malformed options.
  const nodeCode = (error as { code?: unknown } | null)?.code;
  if (typeof nodeCode === 'string' && nodeCode.startsWith('ERR_PARSE_ARGS')) return errorOutcome(new UsageError((error as Error).message));
  if (isFwkitError(error)) {
    const { code, message, details } = error;
    const usage = error instanceof UsageError;
    return {
      status: usage ? EXIT.usage : EXIT.failed,
      json: { ok: false, code, message, ...(details === undefined ? {} : { details }) },
      line: `${code}: ${message}`,
      usage,
    };
  }
  return {
    status: EXIT.internal,
    json: { ok: false, code: 'INTERNAL', message: String(error) },
    line: `internal error — this is a bug, please report it:\n${(error as Error | null)?.stack ?? String(error)}`,
    usage: false,
  };
}
