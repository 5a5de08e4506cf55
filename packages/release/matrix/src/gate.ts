import { addDays, type Ledger, type ProductManifest, type SupportRecord } from '@fwkit/release-core';
import { supportHistories } from './support.js';
import type { Matrix, MatrixModel, MatrixReason } from './types.js';

/**
 * What makes `fwkit release` and `fwkit matrix --check` refuse: every error in the candidate
 * column, and every model-level error (a shortened support period, a supported model whose
 * manifest is gone). Empty: the gate passes. There is no flag that skips it; a red cell is fixed by
 * changing code or manifests, or by recording an end of support. Past columns are history: no
 * release can change them, so they are shown but not gated.
 */
export function gateFailures(matrix: Matrix): MatrixReason[] {
  const candidate = matrix.releases.findIndex((r) => r.candidate);
  const out: MatrixReason[] = [];
  matrix.models.forEach((model, i) => {
    for (const reason of model.reasons) if (reason.severity === 'error') out.push(reason);
    if (candidate < 0) return;
    for (const reason of matrix.cells[i]?.[candidate]?.reasons ?? []) if (reason.severity === 'error') out.push(reason);
  });
  return out;
}

/**
 * What to do about a model whose candidate cell fails, besides fixing it: retire it in this
 * release. The last day of support is inclusive (a release dated on it still serves the model),
 * so the one that drops it from a release on `date` is the day before, at the latest.
 */
function retireHint(model: MatrixModel, date: string): string {
  const latest = addDays(date, -1);
  const where = `products/${model.id}/product.json`;
  const early = model.endedEarly;
  if (early !== undefined && early.lastDay >= date) {
    return (
      `${model.id}: ${early.lastDay} is its last day of support, and a release dated on or before a model's last day still serves it; ` +
      `to retire it in this release (dated ${date}), set lifecycle.endedEarly.lastDay in ${where} to ${latest} or earlier ` +
      `(recorded may be ${date}: the model is then retired from ${date})`
    );
  }
  return (
    `${model.id}: fix its cell, or retire it in this release (dated ${date}): record lifecycle.endedEarly in ${where} ` +
    `with lastDay ${latest} or earlier (the last day it is supported; a release dated on that day still serves it), ` +
    `recorded on or before ${date}, and the reason told to customers`
  );
}

/** One hint per supported model whose candidate cell fails (see retireHint); empty when the gate passes on cells. */
export function gateHints(matrix: Matrix): string[] {
  const candidate = matrix.releases.findIndex((r) => r.candidate);
  if (candidate < 0) return [];
  const out: string[] = [];
  matrix.models.forEach((model, i) => {
    if (model.status !== 'supported') return;
    if ((matrix.cells[i]?.[candidate]?.reasons ?? []).some((r) => r.severity === 'error')) out.push(retireHint(model, matrix.date));
  });
  return out;
}

/**
 * The support records the next release appends to the ledger (`published` is its date):
 * - `published` when a model's endOfSupport is not recorded yet, or was extended beyond the
 *   promise, or when an early end was withdrawn (the latest record must tell the truth);
 * - `ended-early` for an early end that the ledger does not hold yet (new, or changed).
 * A shortened endOfSupport yields nothing here: the gate refuses it (SUPPORT_SHORTENED).
 */
export function supportRecordsFor(products: readonly ProductManifest[], ledger: Ledger, releaseDate: string): SupportRecord[] {
  const histories = supportHistories(ledger.support);
  const out: SupportRecord[] = [];
  for (const product of [...products].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const { endOfSupport, endedEarly } = product.lifecycle;
    const history = histories.get(product.id);
    const promised = history?.promised?.lastDay;
    const latest = history?.latest;
    const withdrawn = endedEarly === undefined && latest?.kind === 'ended-early';
    const publish = promised === undefined || endOfSupport > promised || (withdrawn && endOfSupport >= promised);
    if (publish) out.push({ model: product.id, lastDay: endOfSupport, published: releaseDate, kind: 'published' });
    if (endedEarly !== undefined) {
      const recorded = latest?.kind === 'ended-early' && latest.lastDay === endedEarly.lastDay && latest.reason === endedEarly.reason;
      // Re-stated after a new promise so that the model's latest record still says how support ends.
      if (!recorded || publish) {
        out.push({
          model: product.id,
          lastDay: endedEarly.lastDay,
          published: releaseDate,
          kind: 'ended-early',
          reason: endedEarly.reason,
        });
      }
    }
  }
  return out;
}
