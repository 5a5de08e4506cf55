import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { FuzzTarget } from '../engine/target.js';
import { REPO_ROOT } from '../paths.js';
import { ipcSeeds } from '../seeds.js';

interface IpcCodec {
  decodeMessage(line: Uint8Array): unknown;
  PlatformError: abstract new (...args: never[]) => Error;
}

/**
 * The platform is TypeScript that only esbuild compiles (it never goes through tsc's emit), so
 * its IPC decoder is bundled once into a temporary module; coverage is taken of that bundle.
 */
async function loadCodec(): Promise<{ codec: IpcCodec; url: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'fwkit-fuzz-ipc-'));
  const outfile = join(dir, 'ipc-codec.mjs');
  await build({
    stdin: {
      contents: "export { decodeMessage } from './ipc/codec.ts';\nexport { PlatformError } from './errors.ts';\n",
      resolveDir: join(REPO_ROOT, 'platform/src'),
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile,
    logLevel: 'silent',
  });
  const url = pathToFileURL(outfile).href;
  const codec = (await import(url)) as IpcCodec;
  // The module is loaded; the file is no longer needed.
  await rm(dir, { recursive: true, force: true });
  return { codec, url };
}

let loaded: { codec: IpcCodec; url: string } | undefined;

/** The platform's IPC line decoder; its refusals are the platform's own coded PlatformError. */
export async function ipcTarget(): Promise<FuzzTarget> {
  loaded ??= await loadCodec();
  const { codec, url } = loaded;
  return {
    name: 'ipc-line',
    description: 'platform IPC: one line from a peer domain (decodeMessage)',
    covers: (script) => script === url,
    seeds: () => Promise.resolve(ipcSeeds()),
    run: (input) => codec.decodeMessage(input),
    isExpected: (error) => error instanceof codec.PlatformError,
    shape: 'json',
  };
}
