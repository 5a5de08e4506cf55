/**
 * Bounded readers of the firmware's stderr. The firmware is the trial slot's code:
 * whatever it prints, the launcher keeps at most a few KiB of it.
 */

/** Longest line kept; the rest of a longer line is dropped up to its newline. */
export const MAX_LINE_CHARS = 1024;
/** Lines of stderr a crash reason quotes. */
export const STDERR_TAIL_LINES = 12;
/** Longest stderr line a crash reason quotes. */
export const TAIL_LINE_CHARS = 240;

/** Splits a byte stream into lines, each cut to MAX_LINE_CHARS, holding at most one partial line. */
export class LineSplitter {
  readonly #onLine: (line: string) => void;
  #partial = '';
  #overlong = false;

  constructor(onLine: (line: string) => void) {
    this.#onLine = onLine;
  }

  push(chunk: Buffer | string): void {
    const parts = chunk.toString().split('\n');
    const last = parts.pop() ?? '';
    for (const part of parts) {
      this.#take(part);
      this.#flushLine();
    }
    this.#take(last);
  }

  /** The unterminated rest, e.g. when the stream ends. */
  end(): void {
    if (this.#partial !== '' || this.#overlong) this.#flushLine();
  }

  #take(piece: string): void {
    if (this.#overlong) return;
    this.#partial += piece;
    if (this.#partial.length > MAX_LINE_CHARS) {
      this.#partial = `${this.#partial.slice(0, MAX_LINE_CHARS)}…`;
      this.#overlong = true;
    }
  }

  #flushLine(): void {
    const line = this.#partial.replace(/\r$/, '');
    this.#partial = '';
    this.#overlong = false;
    this.#onLine(line);
  }
}

/** The last `limit` lines, for a crash reason. */
export class Tail {
  readonly #limit: number;
  readonly #lines: string[] = [];

  constructor(limit = STDERR_TAIL_LINES) {
    this.#limit = limit;
  }

  add(line: string): void {
    if (line.trim() === '') return;
    const printable = line.replace(/[^\x20-\x7e\u00a0-\uffff]/g, '?');
    this.#lines.push(printable.length > TAIL_LINE_CHARS ? `${printable.slice(0, TAIL_LINE_CHARS)}…` : printable);
    if (this.#lines.length > this.#limit) this.#lines.shift();
  }

  text(): string {
    return this.#lines.join('\n');
  }
}
