import { CoverageTracker, type CoverageSummary } from './coverage.js';
import { dictionaryOf, mutate, type MutationContext } from './mutate.js';
import { Rng } from './rng.js';
import type { FuzzTarget } from './target.js';

export interface Crash {
  readonly input: Uint8Array;
  /** 'error': an error that is not a coded refusal; 'timeout': the input took longer than the bound. */
  readonly kind: 'error' | 'timeout' | 'died';
  /** The error's stack (or a description of the timeout). */
  readonly description: string;
}

export interface FuzzOptions {
  readonly target: FuzzTarget;
  readonly seeds: readonly Uint8Array[];
  /** PRNG seed: the same seed and budget in executions make the same run. */
  readonly seed: number;
  /** Stop after this long (ms) ... */
  readonly durationMs: number;
  /** ... or after this many executions, whichever comes first. */
  readonly maxExecs?: number;
  /** Per-input bound (ms) for inputs that finish; a hang is caught by the supervisor's watchdog. */
  readonly timeoutMs?: number;
  /** false: a blind loop that mutates the seeds only, with no coverage feedback (for comparison). */
  readonly feedback?: boolean;
  /** Called with each input before it runs (the worker's heartbeat for the watchdog). */
  readonly onExec?: (input: Uint8Array) => void;
  readonly onExecDone?: () => void;
}

export interface FuzzResult {
  readonly execs: number;
  readonly ms: number;
  readonly corpus: readonly Uint8Array[];
  readonly coverage: CoverageSummary;
  readonly crash: Crash | undefined;
}

// A batch that finds something is replayed input by input, one take each: keep it short.
const MAX_BATCH = 32;
// Room for a value nested 20,000 deep (40 KB of brackets), whatever the seeds' size.
const MIN_MAX_BYTES = 48 * 1024;

function describe(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return `a thrown ${typeof error}: ${String(error)}`;
}

/**
 * The coverage-guided loop, in this thread: run the seeds, then mutate corpus entries and keep
 * each input that executed a block of the target's files not executed before. Coverage is taken
 * per batch of inputs (a take costs milliseconds, an input microseconds); the batch grows while
 * nothing new turns up and, when a batch did find something, its inputs are replayed one by one
 * to keep those that found it. Stops at the first crash.
 */
export async function fuzz(options: FuzzOptions): Promise<FuzzResult> {
  const { target } = options;
  const feedback = options.feedback ?? true;
  const timeoutMs = options.timeoutMs ?? Number.POSITIVE_INFINITY;
  const started = performance.now();
  const deadline = started + options.durationMs;
  const maxExecs = options.maxExecs ?? Number.POSITIVE_INFINITY;
  const tracker = new CoverageTracker(target.covers.bind(target));
  const corpus: Uint8Array[] = [];
  const ctx: MutationContext = {
    rng: new Rng(options.seed),
    corpus,
    dictionary: dictionaryOf(options.seeds, target.shape),
    // Inputs grow under mutation; a bound (room for deep nesting, or twice the largest seed) keeps executions cheap.
    maxBytes: target.maxInputBytes ?? Math.max(MIN_MAX_BYTES, 2 * Math.max(0, ...options.seeds.map((s) => s.byteLength))),
    shape: target.shape,
  };
  let execs = 0;

  const exec = async (input: Uint8Array): Promise<Crash | undefined> => {
    execs += 1;
    options.onExec?.(input);
    const t0 = performance.now();
    try {
      await target.run(input);
    } catch (error) {
      if (!target.isExpected(error)) return { input, kind: 'error', description: describe(error) };
    } finally {
      options.onExecDone?.();
    }
    const ms = performance.now() - t0;
    if (ms > timeoutMs) return { input, kind: 'timeout', description: `took ${Math.round(ms)} ms (bound ${timeoutMs} ms)` };
    return undefined;
  };

  const finish = (crash: Crash | undefined): FuzzResult => {
    if (!feedback) tracker.take();
    const coverage = tracker.summary();
    tracker.stop();
    return { execs, ms: performance.now() - started, corpus, coverage, crash };
  };

  tracker.discard();
  for (const seed of options.seeds) {
    const crash = await exec(seed);
    if (crash !== undefined) return finish(crash);
    tracker.take();
    corpus.push(seed);
  }
  if (corpus.length === 0) corpus.push(new Uint8Array(0));
  const seedCount = corpus.length;

  let batch = 1;
  while (execs < maxExecs && performance.now() < deadline) {
    const inputs: Uint8Array[] = [];
    const n = Math.min(batch, maxExecs - execs);
    for (let i = 0; i < n; i++) {
      // Favour recent finds a little: they sit on the frontier of what was reached.
      const pool = feedback ? corpus.length : seedCount;
      const index = ctx.rng.chance(0.3) && pool > seedCount ? seedCount + ctx.rng.below(pool - seedCount) : ctx.rng.below(pool);
      const parent = corpus[index] ?? new Uint8Array(0);
      const input = mutate(parent, feedback ? ctx : { ...ctx, corpus: corpus.slice(0, seedCount) });
      const crash = await exec(input);
      if (crash !== undefined) return finish(crash);
      inputs.push(input);
    }
    if (!feedback) continue;
    const fresh = tracker.take(false);
    if (fresh.length === 0) {
      batch = Math.min(MAX_BATCH, batch * 2);
      continue;
    }
    if (inputs.length === 1) {
      tracker.record(fresh);
      corpus.push(...inputs);
    } else {
      for (const input of inputs) {
        const crash = await exec(input);
        if (crash !== undefined) return finish(crash);
        if (tracker.take().length > 0) corpus.push(input);
      }
    }
    batch = Math.max(1, batch >> 2);
  }
  return finish(undefined);
}
