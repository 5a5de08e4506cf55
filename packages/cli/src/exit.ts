// Imports nothing: `fwkit --help` loads it (docs/decisions.md, lazy commands).

/** Exit codes, documented in the README. */
export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 3 } as const;

/** Exit status of a command stopped by a signal (SIGINT 130, SIGTERM 143): 128 + its number, as a shell reports it. */
export function exitOfSignal(signo: number): number {
  return 128 + signo;
}
