import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openImageFile, SIGNATURES_PAYLOAD_TYPE } from '@fwkit/device-image';
import { inspectImage, type InspectedImage } from '@fwkit/release-image';
import {
  isExampleKeyId,
  judgeSignatures,
  pae,
  ROLE_NAMES,
  trustRootFromJSON,
  type SignatureStatus,
  type TrustRoot,
} from '@fwkit/device-trust';
import { EXIT, UsageError } from '../errors.js';
import { readJsonFile, type Io } from '../io.js';
import { nowOption } from '../options.js';
import { formatBytes, renderTable } from '../table.js';

/** Why a signature entry did not count; `not-targets-key` refines `key-unknown` when the trust root knows the key for another role. */
export type IgnoredBecause = Exclude<SignatureStatus, 'counted'> | 'not-targets-key';

const WHY: Readonly<Record<IgnoredBecause, string>> = {
  'key-unknown': 'unknown key id',
  'not-targets-key': 'not a targets key',
  malformed: 'malformed',
  'bad-signature': 'bad signature',
  'duplicate-key': 'duplicate key',
};

/** The signature entries judged against a trust root, or why they could not be. */
export type SignatureReport =
  | {
      readonly judged: true;
      readonly threshold: number;
      /** keyids whose signatures count toward the threshold. */
      readonly counted: readonly string[];
      /** Every entry that did not count, and why. */
      readonly notCounted: readonly {
        readonly index: number;
        readonly keyid: string | undefined;
        readonly because: IgnoredBecause;
        readonly reason: string;
        readonly sameKeyAs?: string;
      }[];
    }
  | { readonly judged: false; readonly reason: string; readonly notJudged: readonly { readonly index: number; readonly keyid: string }[] };

/**
 * Judge each signature entry with the verifier's own rule (`judgeSignatures`): which count and
 * which are ignored. Not a verification: payloads and the device rules are `fwkit verify`'s.
 */
export function signatureReport(info: InspectedImage, trust: TrustRoot | undefined): SignatureReport {
  if (trust === undefined) {
    return {
      judged: false,
      reason: 'no --trust <root.json> given: no entry can be judged',
      notJudged: info.signatures.map((s, index) => ({ index, keyid: s.keyid })),
    };
  }
  const targets = trust.role('targets');
  const judged = judgeSignatures(pae(SIGNATURES_PAYLOAD_TYPE, info.manifestBytes), info.signatures, targets);
  const otherRole = (keyid: string | undefined) =>
    keyid !== undefined && ROLE_NAMES.some((role) => role !== 'targets' && trust.role(role).keys.has(keyid));
  return {
    judged: true,
    threshold: targets.threshold,
    counted: judged.flatMap((j) => (j.status === 'counted' && j.keyid !== undefined ? [j.keyid] : [])),
    notCounted: judged.flatMap((j) => {
      if (j.status === 'counted') return [];
      const because: IgnoredBecause = j.status === 'key-unknown' && otherRole(j.keyid) ? 'not-targets-key' : j.status;
      const reason = j.sameKeyAs === undefined ? WHY[because] : `${WHY[because]} (the key already counted as ${j.sameKeyAs})`;
      return [{ index: j.index, keyid: j.keyid, because, reason, ...(j.sameKeyAs === undefined ? {} : { sameKeyAs: j.sameKeyAs }) }];
    }),
  };
}

function signatureLines(info: InspectedImage, report: SignatureReport): string[] {
  const example = (keyid: string | undefined) =>
    keyid !== undefined && isExampleKeyId(keyid) ? '  EXAMPLE KEY (keys.example) — not for production' : '';
  if (!report.judged) {
    return [`signatures (not judged: ${report.reason})`, ...info.signatures.map((s) => `  ${s.keyid}  not judged${example(s.keyid)}`)];
  }
  const ignored = new Map(report.notCounted.map((n) => [n.index, n]));
  return [
    `signatures (judged against --trust: ${report.counted.length} count, targets threshold ${report.threshold})`,
    ...info.signatures.map((s, index) => {
      const why = ignored.get(index);
      return `  ${s.keyid}  ${why === undefined ? 'counts' : `does NOT count: ${why.reason}`}${example(s.keyid)}`;
    }),
  ];
}

/**
 * `fwkit inspect`: what an image holds, read without verifying it — use `fwkit verify` before
 * trusting any of it. With `--trust`, the signature entries are judged: which count and which
 * are ignored, and why.
 */
export async function inspectCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, trust: { type: 'string' }, now: { type: 'string' } },
  });
  const [image, ...extra] = positionals;
  if (image === undefined || extra.length > 0) throw new UsageError('inspect takes exactly one image path');
  if (values.now !== undefined && values.trust === undefined) throw new UsageError('--now only applies with --trust');
  const now = nowOption(values.now);
  const trust = values.trust === undefined ? undefined : trustRootFromJSON(await readJsonFile(io, values.trust, 'trust root'), now);
  const info = await inspectImage(openImageFile(resolve(io.cwd, image)));
  const exampleKeys = info.signatures.some((s) => isExampleKeyId(s.keyid));
  const report = signatureReport(info, trust);
  if (values.json) {
    // The raw manifest bytes are what `manifest` already shows, and a Uint8Array has no JSON form.
    const message = `${image}: ${info.manifest.model} ${info.manifest.versions.firmware}, identity ${info.manifestSha256} (read, NOT verified — run fwkit verify)`;
    io.out(
      JSON.stringify({ ok: true, code: null, message, ...info, manifestBytes: undefined, exampleKeys, signatureReport: report }, null, 2),
    );
    return EXIT.ok;
  }
  const m = info.manifest;
  const lines = [
    `image        ${image} (NOT verified — run fwkit verify)`,
    `identity     ${info.manifestSha256} (SHA-256 of the signed manifest.json)`,
    `file sha256  ${info.fileSha256} (this copy; signatures.json may vary, the identity does not)`,
    `file size    ${formatBytes(info.imageBytes)} (${info.imageBytes} bytes)`,
    `model        ${m.model} (${m.modelName}), hardware revisions ${m.hardwareRevisions.join(', ')}`,
    `versions     firmware ${m.versions.firmware}, platform ${m.versions.platform}, security ${m.versions.security}`,
    `upgrade from ${m.upgradeFrom}`,
    `built        ${new Date(m.sourceDateEpoch * 1000).toISOString()} (SOURCE_DATE_EPOCH=${m.sourceDateEpoch})`,
    `requires     bootloader ${m.requires.bootloader}, image format ${m.requires.imageFormat}, RAM ${formatBytes(m.requires.ramBytes)}, flash ${formatBytes(m.requires.flashBytes)}`,
    ...Object.entries(m.requires.interfaces).map(([name, range]) => `             ${name} ${range}`),
    '',
    'domains',
    ...Object.entries(m.domains).map(
      ([name, d]) =>
        `  ${name}: ${d.entry} as user ${d.grants.user}; listen [${d.grants.listen.join(', ')}]; ipc [${d.grants.ipc.join(', ')}]`,
    ),
    '',
    renderTable(
      ['PAYLOAD', 'DOMAIN', 'SIZE', 'SHA-256'],
      m.payloads.map((p) => [p.path, p.domain, formatBytes(p.size), p.sha256]),
    ),
    '',
    ...signatureLines(info, report),
  ];
  if (exampleKeys) lines.push('', 'WARNING: this image is signed with EXAMPLE keys from keys.example. Never ship it.');
  io.out(lines.join('\n'));
  return EXIT.ok;
}
