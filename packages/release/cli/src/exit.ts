// Imports only the exit table, which imports nothing: `fwkit --help` loads it (docs/decisions.md, lazy commands).

// One table of exit statuses for both CLIs (fwkit and fwkit-device): the device side defines it,
// in a module that imports nothing.
export { EXIT } from '@fwkit/device-verify/exit';

/** Exit status of a command stopped by a signal (SIGINT 130, SIGTERM 143): 128 + its number, as a shell reports it. */
export function exitOfSignal(signo: number): number {
  return 128 + signo;
}
