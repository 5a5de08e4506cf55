import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { matrixToJSON, renderMatrixText } from '@fwkit/release-matrix';
import { isIsoDay } from '@fwkit/device-core';
import { LEDGER_PATH, ReleaseGateError, runRelease } from '@fwkit/release-pipeline';
import { isExampleKeyId } from '@fwkit/device-trust';
import { EXIT, UsageError } from '../errors.js';
import { interruptibly, type Io } from '../io.js';
import { signingInputs } from '../signing-inputs.js';
import { stepLabeller } from '../progress.js';
import { formatBytes, renderTable } from '../table.js';
import { toolkitVersion } from '../version.js';

/**
 * `fwkit release`: build, sign and verify every supported model's image, gate the candidate with
 * the compatibility matrix, and only then write the images and append releases/ledger.json.
 * A refusal exits 1 with every coded reason and writes nothing. There is no flag to skip the gate.
 */
export async function releaseCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      keys: { type: 'string' },
      key: { type: 'string', multiple: true },
      trust: { type: 'string' },
      'passphrase-fd': { type: 'string' },
      out: { type: 'string', default: 'out' },
      date: { type: 'string' },
      repo: { type: 'string', default: '.' },
      ledger: { type: 'string' },
      json: { type: 'boolean', default: false },
      demo: { type: 'boolean', default: false },
      'allow-dirty': { type: 'boolean', default: false },
    },
  });
  if ((values.keys === undefined) === (values.key === undefined)) {
    throw new UsageError('release needs --keys <dir> or --key <pem>... with --trust <root.json>');
  }
  if (values.date !== undefined && !isIsoDay(values.date))
    throw new UsageError(`--date "${values.date}" is not a calendar day written YYYY-MM-DD`);
  const signal = await io.interruptible?.();
  const repoRoot = resolve(io.cwd, values.repo);
  const { sourceDateEpoch, signers, trust, trustPath } = await signingInputs(io, values, repoRoot);

  const fwkitVersion = await toolkitVersion();
  // The models are known only inside runRelease: numbered as they come.
  const label = stepLabeller(undefined);
  let result;
  try {
    result = await interruptibly(signal, () =>
      runRelease({
        repoRoot,
        ledgerPath: values.ledger === undefined ? undefined : resolve(io.cwd, values.ledger),
        outDir: resolve(io.cwd, values.out),
        sourceDateEpoch,
        date: values.date,
        signers,
        trust,
        demo: values.demo,
        allowDirty: values['allow-dirty'],
        trustPath: resolve(io.cwd, trustPath),
        fwkitVersion,
        onProgress: (model: string, step: string) => {
          io.progress(label(model, step));
        },
        ...(signal === undefined ? {} : { signal }),
      }),
    );
  } catch (error) {
    if (!(error instanceof ReleaseGateError)) throw error;
    // The matrix is the data of a refusal: every cell and reason, then the coded error.
    if (values.json) {
      io.out(
        JSON.stringify(
          {
            ok: false,
            code: error.code,
            message: error.message,
            // The reasons are in details, once (ReleaseGateError); the matrix and candidate are the command's data.
            ...(error.details === undefined ? {} : { details: error.details }),
            candidate: error.candidate,
            matrix: matrixToJSON(error.matrix),
          },
          null,
          2,
        ),
      );
      io.err(`fwkit: ${error.code}: ${error.message}`);
      return EXIT.failed;
    }
    io.out(renderMatrixText(error.matrix));
    throw error;
  }

  const message = `released ${result.release.firmware} on ${result.date}: ${result.images.length} image(s) appended to ${LEDGER_PATH}`;
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          ok: true,
          code: null,
          message,
          date: result.date,
          sourceDateEpoch,
          release: result.release,
          supportRecords: result.supportRecords,
          skipped: result.skipped,
          images: result.images,
          source: result.source,
          ledger: relative(io.cwd, result.ledgerPath) || result.ledgerPath,
          matrix: matrixToJSON(result.matrix),
        },
        null,
        2,
      ),
    );
    return EXIT.ok;
  }
  io.out(
    renderTable(
      ['MODEL', 'VERSION', 'IMAGE SIZE', 'IDENTITY', 'VERIFIED'],
      result.images.map((r) => [r.model, r.firmware, formatBytes(r.imageBytes), r.manifestSha256, r.verified ? 'yes' : 'NO']),
    ),
  );
  for (const s of result.skipped) io.out(`${s.model}: no image (${s.status} on ${result.date})`);
  io.out(`\n${renderMatrixText(result.matrix)}`);
  const outDir = relative(io.cwd, resolve(io.cwd, values.out)) || '.';
  io.out(`\n${message}; images and SBOMs are in ${outDir}/<model>/.`);
  const { source } = result;
  if (source.commit === null) io.out('Released from no git checkout (--allow-dirty): no commit reproduces it; the ledger says so.');
  else if (source.dirty.length > 0) {
    io.out(`Released from ${source.commit} with files not as committed (--allow-dirty, recorded in the ledger):`);
    for (const f of source.dirty) io.out(`  ${f.path} (${f.state})`);
  }
  if (signers.some((s) => isExampleKeyId(s.keyid))) io.out('A DEMO release, signed with EXAMPLE keys (keys.example) — not for production.');
  return EXIT.ok;
}
