/**
 * A fuzz target: one parser of untrusted bytes. `run` must return, or throw an error that
 * `isExpected` accepts (a coded refusal); anything else it throws, and any input that takes
 * longer than the time bound, is a crash.
 */
export interface FuzzTarget {
  readonly name: string;
  /** What the target parses, for the report. */
  readonly description: string;
  /** Coverage feedback and the coverage report come from the scripts whose URL this accepts. */
  covers(url: string): boolean;
  /** Valid inputs to start from (the more of the format they show, the deeper the fuzzer gets). */
  seeds(): Promise<readonly Uint8Array[]>;
  run(input: Uint8Array): unknown;
  isExpected(error: unknown): boolean;
  /** Structure-aware mutations to add to the byte-level ones. */
  readonly shape: 'json' | 'tar' | 'bytes';
  /** Largest input the mutator makes. */
  readonly maxInputBytes?: number;
}

/** A file URL under one of the given directories (package `dist/` folders). */
export function under(...dirs: readonly string[]): (url: string) => boolean {
  const prefixes = dirs.map((dir) => new URL(`file://${dir.endsWith('/') ? dir : `${dir}/`}`).href);
  return (url) => prefixes.some((prefix) => url.startsWith(prefix));
}
