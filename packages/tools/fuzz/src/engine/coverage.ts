import { Session } from 'node:inspector';

/** The parts of V8's Profiler.takePreciseCoverage result used here. */
interface CoverageRange {
  readonly startOffset: number;
  readonly endOffset: number;
  readonly count: number;
}
interface FunctionCoverage {
  readonly functionName: string;
  readonly ranges: readonly CoverageRange[];
}
interface ScriptCoverage {
  readonly url: string;
  readonly functions: readonly FunctionCoverage[];
}

export interface CoverageSummary {
  readonly functionsCovered: number;
  readonly functionsTotal: number;
  /** Block positions (where a V8 coverage range starts or ends) ever executed. */
  readonly blocksCovered: number;
  /** Block positions V8 has described so far (a function's inner blocks appear once it runs). */
  readonly blocksKnown: number;
  readonly files: number;
}

let shared: Session | undefined;

/** The inspector answers a session of the same thread synchronously. */
function post(method: string, params?: object): unknown {
  if (shared === undefined) {
    // One session per thread, started once and never stopped: V8 does not give functions
    // compiled before a restart their block counters back, so a second run would go blind.
    shared = new Session();
    shared.connect();
    post('Profiler.enable');
    post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  }
  const answer: { result?: unknown; failure?: Error } = {};
  shared.post(method, params, (error, value) => {
    if (error !== null) answer.failure = error;
    answer.result = value;
  });
  if (answer.failure !== undefined) throw answer.failure;
  return answer.result;
}

/**
 * Block coverage of a set of scripts through V8's precise coverage (node:inspector, this thread's
 * isolate). Counting mode, not binary: binary mode does not report a block again after a reset,
 * so a newly reached catch block went unseen. Each `take()` returns what ran since the last one.
 *
 * V8 reports a function as its whole range plus nested ranges whose count differs from the
 * enclosing one, and it splits and merges those ranges differently from one take to the next,
 * so a range is no stable name for a block. The features are positions instead: every offset
 * where a reported range ever started or ended (the start of some block), remembered per
 * function; a position counts as executed when the innermost range holding it has a count
 * above zero.
 */
export class CoverageTracker {
  readonly #covers: (url: string) => boolean;
  /** url → function start offset → known block positions (the function's own start first). */
  readonly #known = new Map<string, Map<number, Set<number>>>();
  /** Features ever seen: `url#offset` of each executed block position. */
  readonly #covered = new Set<string>();

  constructor(covers: (url: string) => boolean) {
    this.#covers = covers;
    post('Profiler.takePreciseCoverage');
  }

  /** Forget what ran so far without recording it (e.g. the seeds' warm-up, module loading). */
  discard(): void {
    post('Profiler.takePreciseCoverage');
  }

  /**
   * Coverage since the last call: the features (executed blocks) not seen before, which are
   * recorded as seen unless `record` is false.
   */
  take(record = true): string[] {
    const { result } = post('Profiler.takePreciseCoverage') as { result: readonly ScriptCoverage[] };
    const fresh: string[] = [];
    for (const script of result) {
      if (!this.#covers(script.url)) continue;
      let byFunction = this.#known.get(script.url);
      if (byFunction === undefined) {
        byFunction = new Map();
        this.#known.set(script.url, byFunction);
      }
      for (const fn of script.functions) {
        const ranges = fn.ranges;
        const outer = ranges[0];
        if (outer === undefined) continue;
        let known = byFunction.get(outer.startOffset);
        if (known === undefined) {
          known = new Set();
          byFunction.set(outer.startOffset, known);
        }
        for (const r of ranges) {
          known.add(r.startOffset);
          if (r.endOffset < outer.endOffset) known.add(r.endOffset);
        }
        for (const at of known) {
          const feature = `${script.url}#${at}`;
          if (this.#covered.has(feature)) continue;
          // Ranges come in pre-order: the last one holding the position is the innermost.
          let count = 0;
          for (const r of ranges) if (r.startOffset <= at && at < r.endOffset) count = r.count;
          if (count > 0) {
            fresh.push(feature);
            if (record) this.#covered.add(feature);
          }
        }
      }
    }
    return fresh;
  }

  /** Record features found by an earlier `take(false)`. */
  record(features: readonly string[]): void {
    for (const f of features) this.#covered.add(f);
  }

  summary(): CoverageSummary {
    let functionsTotal = 0;
    let functionsCovered = 0;
    let blocksKnown = 0;
    for (const [url, byFunction] of this.#known) {
      for (const blocks of byFunction.values()) {
        functionsTotal += 1;
        blocksKnown += blocks.size;
        // The first position known of a function is its start.
        const [outer] = blocks;
        if (outer !== undefined && this.#covered.has(`${url}#${outer}`)) functionsCovered += 1;
      }
    }
    return {
      functionsCovered,
      functionsTotal,
      blocksCovered: this.#covered.size,
      blocksKnown,
      files: this.#known.size,
    };
  }

  /** Hand back the counters' memory; the thread's session stays on for the next tracker. */
  stop(): void {
    post('Profiler.takePreciseCoverage');
  }
}
