import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { migrateLedgerFile } from '@fwkit/release-pipeline';
import { EXIT, UsageError } from '../errors.js';
import type { Io } from '../io.js';

/**
 * `fwkit ledger migrate`: rewrite the ledger in the current schema, as a change of its own to
 * review and commit. It invents no old value: releases from before the audit fields are marked
 * "predates-audit". A ledger already current is left as it is.
 */
export async function ledgerCommand(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'migrate') throw new UsageError('ledger: the only subcommand is "migrate"');
  const { values } = parseArgs({
    args: rest,
    options: { repo: { type: 'string', default: '.' }, ledger: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const done = await migrateLedgerFile(
    resolve(io.cwd, values.repo),
    values.ledger === undefined ? undefined : resolve(io.cwd, values.ledger),
  );
  const path = relative(io.cwd, done.path) || done.path;
  const message = done.written
    ? `${path}: schema ${done.from} → ${done.to}; ${done.releases} release(s) marked "predates-audit". Review and commit it.`
    : `${path}: already schema ${done.to}; nothing written.`;
  if (values.json) io.out(JSON.stringify({ ok: true, code: null, message, ...done, path }, null, 2));
  else io.out(message);
  return EXIT.ok;
}
