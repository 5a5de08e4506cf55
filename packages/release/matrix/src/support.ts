import type { SupportRecord } from '@fwkit/release-core';

/** What the ledger says about one model's support: the latest published promise and the latest record. */
export interface SupportHistory {
  promised?: SupportRecord;
  latest?: SupportRecord;
}

export function supportHistories(records: readonly SupportRecord[]): Map<string, SupportHistory> {
  const out = new Map<string, SupportHistory>();
  for (const record of records) {
    const history = out.get(record.model) ?? {};
    history.latest = record;
    if (record.kind === 'published' && (history.promised === undefined || record.lastDay >= history.promised.lastDay)) {
      history.promised = record;
    }
    out.set(record.model, history);
  }
  return out;
}
