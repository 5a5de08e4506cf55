import { writeLine } from '@fwkit/device-verify/stdio';
import type { Io } from './io.js';
import { progressMode, terminalLine } from './progress.js';

/**
 * The Io of this process. At start-up it imports only the line writer (`fwkit --help` loads it):
 * the stop signals and their error come from core when a writing command asks to be interruptible.
 */
export function processIo(): Io {
  // Chosen on the first progress line: asking costs start-up that `--help` need not pay.
  let progress: ((text: string) => void) | undefined;
  // A terminal progress line that no newline has ended yet: anything else printed ends it first.
  const open: ProgressLine = { line: false };
  const endProgressLine = (): void => {
    if (!open.line) return;
    open.draw?.(); // its final timings
    open.line = false;
    process.stderr.write('\n');
  };
  return {
    cwd: process.cwd(),
    env: process.env,
    out: (text) => {
      endProgressLine();
      writeLine(1, text);
    },
    err: (text) => {
      endProgressLine();
      writeLine(2, text);
    },
    progress: (text) => {
      progress ??= progressWriter(open, endProgressLine);
      progress(text);
    },
    interruptible: async () => (await import('@fwkit/device-core')).stopSignalsToAbort(),
  };
}

/** The terminal's progress line: whether one is shown and not ended, and how to draw it again. */
interface ProgressLine {
  line: boolean;
  draw?: () => void;
}

/**
 * Progress on stderr. On a terminal (and not in CI): one line rewritten in place, its timings
 * ticking, the last one kept when the process ends. Anywhere else: one plain line per step, no
 * carriage return, no escape sequence and no timing, so that two logs of the same work compare equal.
 */
function progressWriter(open: ProgressLine, endLine: () => void): (text: string) => void {
  const { isatty } = process.getBuiltinModule('node:tty');
  if (progressMode(isatty(2), process.env) === 'lines') {
    return (text) => {
      writeLine(2, text);
    };
  }
  const start = performance.now();
  let current = { label: '', since: start };
  const draw = (): void => {
    const now = performance.now();
    // A terminal's stream writes synchronously, in order with writeLine's.
    process.stderr.write(terminalLine(current.label, now - current.since, now - start, process.stderr.columns));
    open.line = true;
  };
  open.draw = draw;
  // Unreferenced: the ticking never keeps the process alive.
  setInterval(() => {
    if (open.line) draw();
  }, 200).unref();
  process.once('exit', endLine);
  return (text) => {
    current = { label: text, since: performance.now() };
    draw();
  };
}
