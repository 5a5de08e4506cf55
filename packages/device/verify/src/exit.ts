// Imports nothing: `fwkit --help` loads it (docs/decisions.md, lazy commands).

/** Exit statuses of both CLIs (fwkit and fwkit-device), documented in the README. */
export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 3 } as const;
