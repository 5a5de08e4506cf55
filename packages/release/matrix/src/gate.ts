import type { Ledger, ProductManifest, SupportRecord } from '@fwkit/release-core';
import { supportHistories } from './support.js';
import type { Matrix, MatrixReason } from './types.js';

/**
 * What makes `fwkit release` and `fwkit matrix --check` refuse: every error of a supported model
 * in the candidate column, and every model-level error (a shortened support period, a supported
 * model whose manifest is gone). Empty: the gate passes. There is no flag that skips it; a red cell
 * is fixed by changing code or manifests, or by recording an end of support.
 */
export function gateFailures(matrix: Matrix): MatrixReason[] {
  const candidate = matrix.releases.findIndex((r) => r.candidate);
  const out: MatrixReason[] = [];
  matrix.models.forEach((model, i) => {
    for (const reason of model.reasons) if (reason.severity === 'error') out.push(reason);
    if (candidate < 0 || model.status !== 'supported') return;
    for (const reason of matrix.cells[i]?.[candidate]?.reasons ?? []) if (reason.severity === 'error') out.push(reason);
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
