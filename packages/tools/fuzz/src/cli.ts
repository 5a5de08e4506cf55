#!/usr/bin/env node
import { createHash, randomInt } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runSupervised, type SupervisedResult } from './engine/supervisor.js';
import { CRASHES_DIR } from './paths.js';
import { TARGETS } from './targets/index.js';

/**
 * `npm run fuzz [target...]`: every target (or the named ones) for FUZZ_SECONDS each (default
 * 10), one after the other in a worker. Prints per target the executions per second, the corpus
 * size and the coverage reached; writes each crashing input to packages/tools/fuzz/crashes/ and exits 1.
 * FUZZ_SEED fixes the mutator's seed (default: random, printed so a run can be repeated);
 * FUZZ_TIMEOUT_MS is the per-input bound (default 5000).
 */

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    process.stderr.write(`fuzz: ${name} must be a positive number, not ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return value;
}

function preview(input: Uint8Array): string {
  const shown = input.subarray(0, 512);
  const text = Buffer.from(shown).toString('latin1');
  const printable = [...shown].every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b <= 0x7e));
  const body = printable ? JSON.stringify(text) : Buffer.from(shown).toString('hex');
  return `${input.byteLength} bytes${printable ? '' : ' (hex)'}: ${body}${input.byteLength > shown.byteLength ? ' …' : ''}`;
}

function row(name: string, r: SupervisedResult): string {
  const perSecond = r.ms > 0 ? Math.round((r.execs * 1000) / r.ms) : 0;
  const c = r.coverage;
  const coverage =
    c === undefined ? '-' : `functions ${c.functionsCovered}/${c.functionsTotal}, blocks ${c.blocksCovered}/${c.blocksKnown}`;
  return `${name.padEnd(14)} ${String(r.execs).padStart(8)} execs ${String(perSecond).padStart(6)}/s  corpus ${String(r.corpusSize).padStart(4)}  ${coverage}  crashes ${r.crash === undefined ? 0 : 1}`;
}

async function main(): Promise<number> {
  const names = process.argv.slice(2);
  for (const name of names) {
    if (!(name in TARGETS)) {
      process.stderr.write(`fuzz: unknown target "${name}"; known: ${Object.keys(TARGETS).join(', ')}\n`);
      return 2;
    }
  }
  const seconds = envNumber('FUZZ_SECONDS', 10);
  const timeoutMs = envNumber('FUZZ_TIMEOUT_MS', 5000);
  const seed = envNumber('FUZZ_SEED', randomInt(1, 2 ** 31));
  const targets = names.length > 0 ? names : Object.keys(TARGETS);
  process.stdout.write(`fuzz: ${targets.length} targets, ${seconds} s each, FUZZ_SEED=${seed}, per-input bound ${timeoutMs} ms\n`);
  let crashes = 0;
  for (const name of targets) {
    const result = await runSupervised({ target: name, seed, durationMs: seconds * 1000, timeoutMs });
    process.stdout.write(`${row(name, result)}\n`);
    const crash = result.crash;
    if (crash === undefined) continue;
    if (crash.kind !== 'error') {
      // A loaded machine can stall a worker past the bound: count a timeout only if the input does it again alone.
      const again = await runSupervised({ target: name, seed, durationMs: 0, timeoutMs, inputs: [crash.input] });
      if (again.crash === undefined) {
        process.stdout.write(`  ${crash.kind} did not reproduce when the input ran alone (a stalled machine?): not counted\n`);
        continue;
      }
    }
    crashes += 1;
    const sha = createHash('sha256').update(crash.input).digest('hex').slice(0, 16);
    await mkdir(CRASHES_DIR, { recursive: true });
    const file = join(CRASHES_DIR, `${name}-${sha}.bin`);
    await writeFile(file, crash.input);
    process.stdout.write(
      `  CRASH (${crash.kind}) written to ${file}\n  input ${preview(crash.input)}\n  ${crash.description.split('\n').join('\n  ')}\n` +
        `  Fix it, then move the file to packages/tools/fuzz/regressions/${name}/ so regressions.test.ts replays it.\n`,
    );
  }
  return crashes > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`fuzz: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 3;
  },
);
