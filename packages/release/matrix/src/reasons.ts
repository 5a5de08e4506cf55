import type { MatrixJson, MatrixReason, MatrixReasonCode, MatrixSeverity } from './types.js';

/** A frozen reason (it takes `details` over): cells that share a cause share the object. */
export function matrixReason(
  code: MatrixReasonCode,
  severity: MatrixSeverity,
  message: string,
  details: Record<string, MatrixJson>,
): MatrixReason {
  return Object.freeze({ code, severity, message, details: Object.freeze(details) });
}

export const NO_REASONS: readonly MatrixReason[] = Object.freeze([]);

/** "1.0.0, 1.1.0" or, for long lists, "1.0.0, 1.1.0, … 1.49.0 (50 versions)". */
export function versionList(versions: readonly string[], max = 6): string {
  if (versions.length <= max) return versions.join(', ');
  const head = versions.slice(0, max - 1).join(', ');
  return `${head}, … ${versions[versions.length - 1] ?? ''} (${versions.length} versions)`;
}

const MiB = 1024 * 1024;

/** Exact bytes for engineers who compare numbers, MiB for people who read them. */
export function byteSize(bytes: number): string {
  return `${bytes} bytes (${(bytes / MiB).toFixed(1)} MiB)`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? one : many;
}
