import { readSync } from 'node:fs';
import { SigningError } from '@fwkit/device-trust';
import type { PassphraseSource } from '@fwkit/release-signing';
import { UsageError } from './errors.js';
import type { Io } from './io.js';

/** The environment variable that may hold the passphrase of encrypted private keys. */
export const PASSPHRASE_ENV = 'FWKIT_KEY_PASSPHRASE';

/** A passphrase is a line; longer than this is a mistake (a key file given as the passphrase). */
const MAX_PASSPHRASE = 1024;

const FD = /^(?:0|[1-9][0-9]{0,9})$/;

function unreadable(message: string, details?: Record<string, unknown>): SigningError {
  return new SigningError('KEY_PASSPHRASE_UNREADABLE', message, details === undefined ? {} : { details });
}

/**
 * The first line read from file descriptor `fd` (up to a newline or the end), as `gpg
 * --passphrase-fd` reads it: `3< file`, `3< <(pass show fwkit)` or a pipe from a parent process.
 * A blocking read: the passphrase may come later than the process starts.
 */
function readPassphraseLine(fd: number): Uint8Array {
  const buffer = Buffer.alloc(MAX_PASSPHRASE + 1);
  let length = 0;
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buffer, length, buffer.length - length, null);
    } catch (cause) {
      const errno = (cause as NodeJS.ErrnoException).code;
      // A non-blocking descriptor with nothing in it yet: wait briefly and read again.
      if (errno === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
        continue;
      }
      buffer.fill(0);
      throw unreadable(`cannot read the passphrase from file descriptor ${fd}: ${errno ?? 'error'}`, { fd, errno });
    }
    const newline = buffer.subarray(length, length + n).indexOf(0x0a);
    if (newline >= 0) {
      length += newline;
      break;
    }
    length += n;
    if (n === 0) break;
    if (length > MAX_PASSPHRASE) {
      buffer.fill(0);
      throw unreadable(`the passphrase from file descriptor ${fd} is longer than ${MAX_PASSPHRASE} bytes (no newline)`, { fd });
    }
  }
  if (length > 0 && buffer[length - 1] === 0x0d) length -= 1; // CRLF
  if (length === 0) throw unreadable(`file descriptor ${fd} gave an empty passphrase`, { fd });
  const passphrase = Uint8Array.from(buffer.subarray(0, length));
  buffer.fill(0);
  return passphrase;
}

/**
 * Where encrypted keys get their passphrase: `--passphrase-fd N` if given, else the environment
 * variable FWKIT_KEY_PASSPHRASE, else none (an encrypted key is then KEY_PASSPHRASE_REQUIRED).
 * Never a command-line argument: other users see those (ps, /proc). Read at most once, and only
 * when a key is encrypted; one passphrase for every key of the command.
 */
export function passphraseSource(io: Io, fdOption: string | undefined): { passphrase: PassphraseSource; forget(): Promise<void> } {
  let fd: number | undefined;
  if (fdOption !== undefined) {
    fd = FD.test(fdOption) ? Number(fdOption) : NaN;
    if (!(fd <= 0x7fffffff)) throw new UsageError(`--passphrase-fd "${fdOption}" is not a file descriptor number`);
  }
  let read: Promise<Uint8Array | undefined> | undefined;
  return {
    passphrase: () => {
      read ??= new Promise((resolve) => {
        const fromEnv = io.env[PASSPHRASE_ENV];
        if (fd !== undefined) resolve(readPassphraseLine(fd));
        else resolve(fromEnv === undefined ? undefined : new TextEncoder().encode(fromEnv));
      });
      return read;
    },
    // Zero our copy once the keys are loaded (the environment's string cannot be).
    forget: async () => {
      (await read?.catch(() => undefined))?.fill(0);
    },
  };
}

/**
 * A passphrase given as an argument (`--passphrase x`, `--pass=x`) is refused before anything is
 * parsed, with a message that does not repeat it.
 */
export function refusePassphraseArguments(args: readonly string[]): void {
  if (args.some((a) => /^--pass(?:phrase|word)?(?:=|$)/.test(a))) {
    throw new UsageError(
      `a passphrase is never a command-line argument (other users can read those): set ${PASSPHRASE_ENV} or use --passphrase-fd <n>`,
    );
  }
}
