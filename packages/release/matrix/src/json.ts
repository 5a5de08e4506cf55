import { gateSummary, verdictCounts } from './render-common.js';
import type { Matrix, MatrixJson, MatrixReason, MatrixReasonCode, MatrixSeverity, Verdict } from './types.js';

/** Bumped when a field of the `--json` document changes meaning or goes away (adding fields does not bump it). */
export const MATRIX_JSON_SCHEMA_VERSION = 1;

interface ReasonJson {
  readonly code: MatrixReasonCode;
  readonly severity: MatrixSeverity;
  readonly message: string;
  readonly details: Readonly<Record<string, MatrixJson>>;
}

/**
 * The `--json` document. Keys always appear in this order:
 * - `schemaVersion` (1), `date` (the day support was judged on);
 * - `gate`: `{ pass, candidate (firmware or null), failures: reason[], hints: string[], pastFailingCells }`, what
 *   `fwkit release` enforces: the candidate column and model-level errors; `hints` say how to retire a model whose
 *   candidate cell fails, `pastFailingCells` counts failing cells of past releases (history: shown, not gated);
 * - `summary`: number of cells per verdict;
 * - `models[]`: `{ id, name, status, lastDay, retiredFrom, released, endOfSupport, endedEarly (or null), reasons[] }`:
 *   `lastDay` is the last day of support (inclusive), `retiredFrom` the day after;
 * - `releases[]`: `{ firmware, platform, security, date, upgradeFrom, candidate, steppingStone, line, maintenance }`,
 *   ascending by firmware (each release line together); a maintenance candidate sits before the newer line's releases;
 * - `cells[model][release]`: `{ model, firmware, verdict, reasons[], manifestSha256 }`, in the order of `models` and
 *   `releases`; `manifestSha256` is the identity of the release's image for the model (SHA-256 of its signed
 *   manifest), or null when the release has none.
 * A reason is `{ code, severity, message, details }`; codes are stable, messages are for people.
 */
export interface MatrixJsonDocument {
  readonly schemaVersion: typeof MATRIX_JSON_SCHEMA_VERSION;
  readonly date: string;
  readonly gate: {
    readonly pass: boolean;
    readonly candidate: string | null;
    readonly failures: readonly ReasonJson[];
    readonly hints: readonly string[];
    readonly pastFailingCells: number;
  };
  readonly summary: Readonly<Record<Verdict, number>>;
  readonly models: readonly {
    readonly id: string;
    readonly name: string;
    readonly status: string;
    readonly lastDay: string;
    readonly retiredFrom: string;
    readonly released: string;
    readonly endOfSupport: string;
    readonly endedEarly: { readonly lastDay: string; readonly recorded: string; readonly reason: string } | null;
    readonly reasons: readonly ReasonJson[];
  }[];
  readonly releases: readonly {
    readonly firmware: string;
    readonly platform: string;
    readonly security: number;
    readonly date: string;
    readonly upgradeFrom: string;
    readonly candidate: boolean;
    readonly steppingStone: boolean;
    readonly line: string;
    readonly maintenance: boolean;
  }[];
  readonly cells: readonly (readonly {
    readonly model: string;
    readonly firmware: string;
    readonly verdict: Verdict;
    readonly reasons: readonly ReasonJson[];
    readonly manifestSha256: string | null;
  }[])[];
}

function reasonJson(r: MatrixReason): ReasonJson {
  return { code: r.code, severity: r.severity, message: r.message, details: r.details };
}

/** The matrix as a stable, documented JSON document (see MatrixJsonDocument) for `--json`. */
export function matrixToJSON(matrix: Matrix): MatrixJsonDocument {
  const gate = gateSummary(matrix);
  return {
    schemaVersion: MATRIX_JSON_SCHEMA_VERSION,
    date: matrix.date,
    gate: {
      pass: gate.pass,
      candidate: gate.candidate ?? null,
      failures: gate.failures.map(reasonJson),
      hints: gate.hints,
      pastFailingCells: gate.pastFailingCells,
    },
    summary: verdictCounts(matrix),
    models: matrix.models.map((m) => ({
      id: m.id,
      name: m.name,
      status: m.status,
      lastDay: m.lastDay,
      retiredFrom: m.retiredFrom,
      released: m.released,
      endOfSupport: m.endOfSupport,
      endedEarly:
        m.endedEarly === undefined ? null : { lastDay: m.endedEarly.lastDay, recorded: m.endedEarly.recorded, reason: m.endedEarly.reason },
      reasons: m.reasons.map(reasonJson),
    })),
    releases: matrix.releases.map((r) => ({
      firmware: r.firmware,
      platform: r.platform,
      security: r.security,
      date: r.date,
      upgradeFrom: r.upgradeFrom,
      candidate: r.candidate,
      steppingStone: r.steppingStone,
      line: r.line,
      maintenance: r.maintenance,
    })),
    cells: matrix.cells.map((row) =>
      row.map((c) => ({
        model: c.model,
        firmware: c.firmware,
        verdict: c.verdict,
        reasons: c.reasons.map(reasonJson),
        manifestSha256: c.manifestSha256 ?? null,
      })),
    ),
  };
}
