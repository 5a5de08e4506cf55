import { StartupError } from './errors.js';

/** What this firmware is, fixed at build time (esbuild `define` of `__FWKIT_BUILD__`). */
export interface BuildInfo {
  readonly model: string;
  readonly modelName: string;
  readonly firmware: string;
  readonly platform: string;
  readonly hardwareRevisions: readonly string[];
}

const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 128;

/** Checks the shape once at startup, so a mis-built bundle fails loudly instead of serving `undefined`. */
export function parseBuildInfo(value: unknown): BuildInfo {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const revisions = v.hardwareRevisions;
  if (
    !isText(v.model) ||
    !isText(v.modelName) ||
    !isText(v.firmware) ||
    !isText(v.platform) ||
    !Array.isArray(revisions) ||
    revisions.length === 0 ||
    !revisions.every(isText)
  ) {
    throw new StartupError(
      'BUILD_INFO_INVALID',
      '__FWKIT_BUILD__ must be { model, modelName, firmware, platform, hardwareRevisions: string[] } (esbuild define)',
    );
  }
  return Object.freeze({
    model: v.model,
    modelName: v.modelName,
    firmware: v.firmware,
    platform: v.platform,
    hardwareRevisions: Object.freeze([...revisions]),
  });
}

export function buildInfo(): BuildInfo {
  // `typeof` keeps an undefined identifier from throwing a bare ReferenceError.
  return parseBuildInfo(typeof __FWKIT_BUILD__ === 'undefined' ? undefined : __FWKIT_BUILD__);
}
