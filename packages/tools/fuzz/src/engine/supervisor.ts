import { Worker } from 'node:worker_threads';
import type { CoverageSummary } from './coverage.js';
import type { Crash, FuzzResult } from './loop.js';

/** Shared memory layout: [0] running flag, [1] input length (Int32); start time (Float64 at 8); input bytes at 16. */
export const HEARTBEAT_HEADER = 16;

export interface SupervisedRun {
  /** A target of the registry by name, or `{ module, exportName }`: a FuzzTarget exported by a module (tests). */
  readonly target: string | { readonly module: string; readonly exportName: string };
  readonly seed: number;
  readonly durationMs: number;
  readonly timeoutMs: number;
  /** Largest input the heartbeat can hold (inputs are cut to the target's maxInputBytes anyway). */
  readonly maxInputBytes?: number;
  /** Worker heap limit: a parser that allocates without bound dies here, which is a crash. */
  readonly heapMb?: number;
  /** Run exactly these inputs instead of the target's seeds (with durationMs 0: a replay, no fuzzing). */
  readonly inputs?: readonly Uint8Array[];
}

export interface WorkerRequest {
  readonly target: SupervisedRun['target'];
  readonly seed: number;
  readonly durationMs: number;
  readonly timeoutMs: number;
  readonly heartbeat: SharedArrayBuffer;
  readonly inputs?: readonly Uint8Array[];
}

/** What the worker posts back (Uint8Arrays survive structured cloning). */
export type WorkerReply =
  | { readonly ok: true; readonly result: Omit<FuzzResult, 'corpus'> & { corpusSize: number } }
  | { readonly ok: false; readonly error: string };

export interface SupervisedResult {
  readonly execs: number;
  readonly ms: number;
  readonly corpusSize: number;
  readonly coverage: CoverageSummary | undefined;
  readonly crash: Crash | undefined;
}

/**
 * Run one target's fuzz loop in a worker thread and watch it: before each input the worker
 * copies it into shared memory with the time it started, so when an input runs past the bound
 * (a synchronous endless loop never yields) the worker is terminated and that input is the crash.
 * A worker that dies (out of memory, a native fault) also leaves its last input behind.
 */
export function runSupervised(run: SupervisedRun): Promise<SupervisedResult> {
  const capacity = run.maxInputBytes ?? 1 << 20;
  const heartbeat = new SharedArrayBuffer(HEARTBEAT_HEADER + capacity);
  const flags = new Int32Array(heartbeat, 0, 2);
  const started = new Float64Array(heartbeat, 8, 1);
  const bytes = new Uint8Array(heartbeat, HEARTBEAT_HEADER);
  const request: WorkerRequest = {
    target: run.target,
    seed: run.seed,
    durationMs: run.durationMs,
    timeoutMs: run.timeoutMs,
    heartbeat,
    ...(run.inputs === undefined ? {} : { inputs: run.inputs }),
  };
  const worker = new Worker(new URL('./worker.js', import.meta.url), {
    workerData: request,
    ...(run.heapMb === undefined ? {} : { resourceLimits: { maxOldGenerationSizeMb: run.heapMb } }),
  });
  const t0 = performance.now();
  const lastInput = (): Uint8Array => bytes.slice(0, Math.min(Atomics.load(flags, 1), capacity));
  const stopped = (kind: Crash['kind'], description: string): SupervisedResult => ({
    execs: 0,
    ms: performance.now() - t0,
    corpusSize: 0,
    coverage: undefined,
    crash: { input: lastInput(), kind, description },
  });

  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (outcome: SupervisedResult | Error): void => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const watchdog = setInterval(() => {
      if (Atomics.load(flags, 0) === 1 && Date.now() - (started[0] ?? 0) > run.timeoutMs) {
        const ms = Math.round(Date.now() - (started[0] ?? 0));
        settle(stopped('timeout', `an input ran for more than ${run.timeoutMs} ms (${ms} ms when stopped)`));
        void worker.terminate();
      }
    }, 50);
    worker.on('message', (reply: WorkerReply) => {
      if (!reply.ok) {
        settle(new Error(`fuzz worker failed: ${reply.error}`));
        return;
      }
      const { execs, ms, corpusSize, coverage, crash } = reply.result;
      settle({ execs, ms, corpusSize, coverage, crash });
    });
    worker.on('error', (error) => {
      settle(stopped('died', `the worker died while running an input: ${error.stack ?? error.message}`));
    });
    worker.on('exit', (code) => {
      settle(stopped('died', `the worker exited with code ${code} while running an input`));
    });
  });
}
