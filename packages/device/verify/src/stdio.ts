// How both CLIs (fwkit and fwkit-device) print. Imports nothing: `fwkit --help` loads it.

/** Descriptors whose stream took over after a write would have blocked: later lines must queue behind it. */
const streamed = new Set<1 | 2>();

/**
 * Writes `text`, plus a newline unless it ends with one, to stdout (1) or stderr (2), synchronously.
 * Why not process.stdout.write: the first touch of process.stdout or process.stderr builds a stream
 * (for a pipe: net and the stream machinery), ~5 ms of start-up each for a command that prints one
 * result. A descriptor that would block (a full non-blocking pipe) hands the rest to the stream,
 * which waits until it can write.
 */
export function writeLine(fd: 1 | 2, text: string): void {
  let bytes = Buffer.from(text.endsWith('\n') ? text : `${text}\n`);
  if (!streamed.has(fd)) {
    const { writeSync } = process.getBuiltinModule('node:fs');
    try {
      while (bytes.byteLength > 0) bytes = bytes.subarray(writeSync(fd, bytes));
      return;
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code !== 'EAGAIN') throw error;
      streamed.add(fd);
    }
  }
  (fd === 1 ? process.stdout : process.stderr).write(bytes);
}
