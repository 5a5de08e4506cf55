#!/usr/bin/env node
// Writes the device bundle: dist/device/fwkit-device.mjs, one self-contained file that does what a
// camera's updater does (`node fwkit-device.mjs verify <image> --trust <root.json> --device
// <device.json> [--now <date-time>] [--json]`), from the compiled @fwkit/device-cli. The metafile
// beside it (fwkit-device.meta.json) says which modules went in; test/device-bundle.test.ts holds
// the bundle to its size limit and allow-list. Deterministic: same inputs, same bytes.
// `npm run build` runs it after `tsc -b`.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { NODE_BUNDLE } from './node-bundle.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
export const DEVICE_BUNDLE = join(repo, 'dist', 'device', 'fwkit-device.mjs');
export const DEVICE_METAFILE = join(repo, 'dist', 'device', 'fwkit-device.meta.json');

// The limits test/device-bundle.test.ts holds the bundles to, and the bench reports against.
/**
 * The size limit of the minified bundle, node built-ins not counted (they are not in it): 64 KB for
 * the verifier (now VERIFIER_LIMIT), 96 KB when the installer and the firmware launcher joined it
 * (issue 9). The sandboxes of issue 11 took it to 109,987 bytes (limit 112 KB); 2026-12-06 brought
 * it back to 102,351 bytes (a dynamic import had kept all of @fwkit/device-core, 5.3 KB; the rest
 * from the CLI, device-json, report and installer, docs/decisions.md). Verifying on two cores
 * (2026-12-07: the tail hasher, skipping in the reader and the file source) and device-json's
 * JSON.parse fast path took it to 107,518 bytes (limit 105 KB); the installer's lent write buffers
 * and its 4 MiB reads (2026-12-07) to 108,004 (limit 106 KB). The remaining 9.5 KB to issue 9's
 * 96 KB: the decisions list where.
 */
export const DEVICE_BUNDLE_LIMIT = 106 * 1024;

/**
 * Issue 7's limit, 64 KB, now held by the verifier alone: what `fwkit-device verify` runs — its
 * command (packages/device/cli/src/verify-command.ts: arguments, verifyImageFile, the report, the
 * error mapping, its usage) and the output writer — bundled by test/device-bundle.test.ts with the device
 * bundle's esbuild options. It is 57,270 bytes (docs/decisions.md, 2026-12-06).
 */
export const VERIFIER_LIMIT = 64 * 1024;

export async function buildDeviceBundle() {
  const result = await build({
    entryPoints: [join(repo, 'packages', 'device', 'cli', 'dist', 'bin.js')],
    absWorkingDir: repo,
    ...NODE_BUNDLE,
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  const [output] = result.outputFiles;
  // No module on the device path calls `require` (an ES module has none; esbuild would leave a shim
  // that throws at run time), so the bundle needs no createRequire banner: refuse one that would.
  if (output.text.includes('Dynamic require of'))
    throw new Error('the device bundle calls require(): a CommonJS module needs a node built-in');
  await mkdir(join(repo, 'dist', 'device'), { recursive: true });
  await writeFile(DEVICE_BUNDLE, output.contents);
  await writeFile(DEVICE_METAFILE, `${JSON.stringify(result.metafile, null, 2)}\n`);
  return { bytes: output.contents.byteLength, metafile: result.metafile };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { bytes } = await buildDeviceBundle();
  console.log(`dist/device/fwkit-device.mjs: ${bytes} bytes`);
}
