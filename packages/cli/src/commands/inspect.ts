import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { inspectImage, openImageFile } from '@fwkit/image';
import { isExampleKeyId } from '@fwkit/signing';
import { EXIT, UsageError } from '../errors.js';
import type { Io } from '../io.js';
import { formatBytes, renderTable } from '../table.js';

/**
 * `fwkit inspect`: what an image holds, read without a trust root. Nothing here is verified —
 * use `fwkit verify` before trusting any of it.
 */
export async function inspectCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
  const [image, ...extra] = positionals;
  if (image === undefined || extra.length > 0) throw new UsageError('inspect takes exactly one image path');
  const info = await inspectImage(openImageFile(resolve(io.cwd, image)));
  const exampleKeys = info.signatures.some((s) => isExampleKeyId(s.keyid));
  if (values.json) {
    // The raw manifest bytes are what `manifest` already shows, and a Uint8Array has no JSON form.
    io.out(JSON.stringify({ ...info, manifestBytes: undefined, exampleKeys }, null, 2));
    return EXIT.ok;
  }
  const m = info.manifest;
  const lines = [
    `image        ${image} (NOT verified — run fwkit verify)`,
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
    'signatures',
    ...info.signatures.map((s) => `  ${s.keyid}${isExampleKeyId(s.keyid) ? '  EXAMPLE KEY (keys.example) — not for production' : ''}`),
  ];
  if (exampleKeys) lines.push('', 'WARNING: this image is signed with EXAMPLE keys from keys.example. Never ship it.');
  io.out(lines.join('\n'));
  return EXIT.ok;
}
