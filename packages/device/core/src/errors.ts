/**
 * Coded errors. Every failure that a user, CI or a device can act on carries a stable `code`;
 * messages are for people and may change, codes may not (tests assert codes).
 */
export class FwkitError<Code extends string = string> extends Error {
  override readonly name: string = 'FwkitError';
  readonly code: Code;
  /** Structured facts about the failure (paths, versions, ...) for `--json` output. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: Code, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
  }
}

export type SchemaErrorCode =
  | 'SCHEMA_INVALID'
  /** Not JSON (RFC 8259), not UTF-8, a lone surrogate, or nested too deep. */
  | 'JSON_INVALID'
  /** A key twice in one object: two readers could see two different documents. */
  | 'JSON_DUPLICATE_KEY'
  | 'SCHEMA_VERSION_UNSUPPORTED';

/** One problem found in a document, with the JSON path where it sits (`hardware[1].ramBytes`). */
export interface SchemaIssue {
  readonly path: string;
  readonly message: string;
}

/** A document failed validation; `issues` lists every problem at once, not just the first. */
export class SchemaError extends FwkitError<SchemaErrorCode> {
  override readonly name = 'SchemaError';
  readonly issues: readonly SchemaIssue[];

  constructor(code: SchemaErrorCode, what: string, issues: readonly SchemaIssue[], options?: { cause?: unknown }) {
    const list = issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n');
    super(code, `${what} is invalid:\n${list}`, { ...options, details: { issues } });
    this.issues = issues;
  }
}

export function isFwkitError(value: unknown): value is FwkitError {
  return value instanceof FwkitError;
}

export type InputErrorCode =
  /** The input path does not exist (or a parent is not a directory). */
  | 'INPUT_NOT_FOUND'
  /** A FIFO, directory, socket, character or block device: only regular files are read. */
  | 'INPUT_NOT_REGULAR'
  /** More bytes than the document's size limit (counted by reading, not by stat). */
  | 'INPUT_TOO_LARGE'
  /** open(2) or read(2) failed (permission, I/O error); the message has the errno text, never content. */
  | 'INPUT_UNREADABLE';

/** An input file could not be read as one; the message names the path, never the file's content. */
export class InputError extends FwkitError<InputErrorCode> {
  override readonly name = 'InputError';
}
