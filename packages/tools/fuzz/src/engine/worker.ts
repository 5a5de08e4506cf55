import { parentPort, workerData } from 'node:worker_threads';
import { loadTarget } from '../targets/index.js';
import { fuzz } from './loop.js';
import { HEARTBEAT_HEADER, type WorkerReply, type WorkerRequest } from './supervisor.js';
import type { FuzzTarget } from './target.js';

// The worker half of runSupervised: one target, one loop, a heartbeat before every input.
const request = workerData as WorkerRequest;
const flags = new Int32Array(request.heartbeat, 0, 2);
const started = new Float64Array(request.heartbeat, 8, 1);
const bytes = new Uint8Array(request.heartbeat, HEARTBEAT_HEADER);

async function main(): Promise<WorkerReply> {
  const named = request.target;
  const target =
    typeof named === 'string' ? await loadTarget(named) : ((await import(named.module)) as Record<string, FuzzTarget>)[named.exportName];
  if (target === undefined) throw new Error('the fuzz target module does not export that target');
  const seeds = request.inputs ?? (await target.seeds());
  const result = await fuzz({
    target,
    seeds,
    seed: request.seed,
    durationMs: request.durationMs,
    timeoutMs: request.timeoutMs,
    onExec(input) {
      const n = Math.min(input.byteLength, bytes.byteLength);
      bytes.set(input.subarray(0, n));
      Atomics.store(flags, 1, n);
      started[0] = Date.now();
      Atomics.store(flags, 0, 1);
    },
    onExecDone() {
      Atomics.store(flags, 0, 0);
    },
  });
  const { corpus, ...rest } = result;
  return { ok: true, result: { ...rest, corpusSize: corpus.length } };
}

main().then(
  (reply) => parentPort?.postMessage(reply),
  (error: unknown) =>
    parentPort?.postMessage({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
);
