import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fieldDevicesOf, productManifestFromJSON, type DeviceIdentity } from '@fwkit/core';

export const REPO = fileURLToPath(new URL('..', import.meta.url));
export const CLI = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `fwkit` CLI in a child process. */
export function fwkit(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: options.cwd ?? REPO, env: { ...process.env, CI: 'true', ...options.env }, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * A device.json for a model's hardware revision as the field has it (its first bootloader), built
 * by core's `fieldDevicesOf` from the repository's product.json, with an installed firmware.
 */
export async function fieldDevice(
  repoRoot: string,
  model: string,
  revision: string | undefined,
  installed: { firmware: string; security: number },
): Promise<DeviceIdentity> {
  const path = join(repoRoot, 'products', model, 'product.json');
  const product = productManifestFromJSON(JSON.parse(await readFile(path, 'utf8')), path);
  const [device] = fieldDevicesOf(product, revision ?? product.hardware[0]?.revision);
  if (device === undefined) throw new Error(`${model} has no hardware revision ${revision ?? '(first)'}`);
  return { ...device, installed };
}
