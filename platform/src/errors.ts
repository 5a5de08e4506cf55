/**
 * Coded errors of the platform. The firmware does not depend on the host-side toolkit
 * (`@fwkit/device-core` and its schema libraries would only bloat every image), so it has its own
 * small base class of the same shape: a stable `code`, a message for people, a `cause`.
 */
export class PlatformError<Code extends string = string> extends Error {
  override readonly name: string = 'PlatformError';
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

export function isPlatformError(value: unknown): value is PlatformError {
  return value instanceof PlatformError;
}

export type IpcErrorCode =
  /** A line longer than MAX_LINE_BYTES (endless data from a confused or hostile peer). */
  | 'IPC_TOO_LARGE'
  /** Not JSON, not an object, or not the `{v, type, body}` envelope of version 1. */
  | 'IPC_MALFORMED'
  /** A message type the contract does not define. */
  | 'IPC_UNKNOWN_TYPE'
  /** A known type whose body breaks the contract (missing, extra or out-of-range field). */
  | 'IPC_INVALID_BODY'
  /** A domain sent a message type it is not granted. */
  | 'IPC_FORBIDDEN'
  /** The channel to the peer is missing or closed. */
  | 'IPC_CLOSED';

/** The IPC contract was broken; the offending message is dropped, never half-processed. */
export class IpcError extends PlatformError<IpcErrorCode> {
  override readonly name = 'IpcError';
}

export function isIpcError(value: unknown): value is IpcError {
  return value instanceof IpcError;
}

export type StartupErrorCode =
  /** The bundle was built without (or with a malformed) `__FWKIT_BUILD__`. */
  | 'BUILD_INFO_INVALID'
  /** The product's drivers do not fit the platform (unknown sensor bus, bad resolution, ...). */
  | 'DRIVER_INVALID'
  /** Bad command-line arguments or environment. */
  | 'USAGE';

/** A domain cannot start; its entry prints the message and exits with status 2. */
export class StartupError extends PlatformError<StartupErrorCode> {
  override readonly name = 'StartupError';
}

export type ApiErrorCode =
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'BAD_REQUEST'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  /** The core has not announced itself yet, or the channel to it is closed. */
  | 'CORE_UNAVAILABLE'
  /** The core did not answer a request in time. */
  | 'CORE_TIMEOUT'
  /** Too many requests to the core are waiting already. */
  | 'CORE_BUSY'
  | 'PTZ_UNSUPPORTED'
  | 'PTZ_FAILED'
  | 'NO_FRAME_YET'
  | 'SNAPSHOT_TOO_LARGE';

/** A request to the protocol domain's API failed; `status` is the HTTP status it maps to. */
export class ApiError extends PlatformError<ApiErrorCode> {
  override readonly name = 'ApiError';
  readonly status: number;

  constructor(code: ApiErrorCode, status: number, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.status = status;
  }
}
