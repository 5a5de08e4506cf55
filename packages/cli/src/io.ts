import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseJsonText } from '@fwkit/core';
import { CliError } from './errors.js';

/** Where a command writes: data to stdout, messages and progress to stderr. */
export interface Io {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  out(text: string): void;
  err(text: string): void;
  /** Progress lines only when a person is watching (stderr is a terminal), quiet in CI. */
  progress(text: string): void;
}

export function processIo(): Io {
  const interactive = process.stderr.isTTY && process.env['CI'] === undefined;
  return {
    cwd: process.cwd(),
    env: process.env,
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    progress: (text) => {
      if (interactive) process.stderr.write(`${text}\n`);
    },
  };
}

export async function readTextFile(io: Io, path: string, what: string): Promise<string> {
  try {
    return await readFile(resolve(io.cwd, path), 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE';
    throw new CliError(code, `cannot read ${what} ${path}: ${(cause as Error).message}`, { cause });
  }
}

export async function readJsonFile(io: Io, path: string, what: string): Promise<unknown> {
  return parseJsonText(await readTextFile(io, path, what), `${what} ${path}`);
}
