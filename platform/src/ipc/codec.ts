import { parseJson } from '@fwkit/device-json';
import { isPlainObject } from './check.js';
import { IpcError } from '../errors.js';
import { IPC_VERSION, MAX_LINE_BYTES, bodyCheck, isMessageType, type IpcMessage, type MessageOf, type MessageType } from './messages.js';

/**
 * Wire format: newline-delimited JSON, one `{"v":1,"type":...,"body":{...}}` per line, UTF-8,
 * at most MAX_LINE_BYTES per line including the newline.
 */

/**
 * Validate one line from a peer. The peer is another process and may be compromised (the
 * protocol domain parses network input), so every failure is a coded IpcError, never an
 * untyped exception, and nothing outside the contract gets through.
 */
export function decodeMessage(line: string | Uint8Array): IpcMessage {
  const size = typeof line === 'string' ? Buffer.byteLength(line, 'utf8') : line.byteLength;
  if (size > MAX_LINE_BYTES) throw new IpcError('IPC_TOO_LARGE', `message of ${size} bytes exceeds ${MAX_LINE_BYTES}`);
  const text = typeof line === 'string' ? line : Buffer.from(line.buffer, line.byteOffset, line.byteLength).toString('utf8');
  let value: unknown;
  try {
    // The toolkit's strict reader: a duplicate key is refused, not read as its last value, so a
    // check and its use can never see two different messages.
    value = parseJson(text);
  } catch (cause) {
    throw new IpcError('IPC_MALFORMED', 'message is not JSON without duplicate keys', { cause });
  }
  if (!isPlainObject(value)) throw new IpcError('IPC_MALFORMED', 'message must be a JSON object');
  const keys = Object.keys(value).sort();
  if (keys.join(',') !== 'body,type,v') throw new IpcError('IPC_MALFORMED', 'message must have exactly the keys v, type and body');
  // Never stringify the peer's value: nested deep enough, JSON.stringify overflows the stack (found by fuzzing).
  if (value.v !== IPC_VERSION) {
    throw new IpcError('IPC_MALFORMED', `unsupported envelope version ${typeof value.v === 'number' ? value.v : `(${typeof value.v})`}`);
  }
  const type = value.type;
  if (typeof type !== 'string') throw new IpcError('IPC_MALFORMED', 'type must be a string');
  if (!isMessageType(type)) throw new IpcError('IPC_UNKNOWN_TYPE', `unknown message type ${JSON.stringify(type.slice(0, 64))}`);
  const body = bodyCheck(type)(value.body, '');
  return { type, body } as IpcMessage;
}

/** One line (with its newline) for `message`; refuses to produce what a reader would reject. */
export function encodeMessage(message: IpcMessage): string {
  const line = `${JSON.stringify({ v: IPC_VERSION, type: message.type, body: message.body })}\n`;
  const size = Buffer.byteLength(line, 'utf8');
  if (size > MAX_LINE_BYTES) throw new IpcError('IPC_TOO_LARGE', `${message.type} of ${size} bytes exceeds ${MAX_LINE_BYTES}`);
  return line;
}

export function message<T extends MessageType>(type: T, body: MessageOf<T>['body']): MessageOf<T> {
  return { type, body } as MessageOf<T>;
}

/**
 * Splits a byte stream into lines with a bounded buffer. An over-long line is reported once
 * and skipped up to its newline, so a peer cannot make the reader buffer without end.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private buffered = 0;
  private discarding = false;

  constructor(private readonly maxLineBytes: number = MAX_LINE_BYTES) {}

  /** Lines completed by `chunk` (without newline); `{ tooLarge }` marks each skipped line. */
  push(chunk: Uint8Array): Array<{ line: Buffer } | { tooLarge: number }> {
    const out: Array<{ line: Buffer } | { tooLarge: number }> = [];
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (;;) {
      const nl = data.indexOf(0x0a);
      const piece = nl === -1 ? data : data.subarray(0, nl);
      if (!this.discarding) {
        // A line is complete with its newline, which counts toward the limit.
        if (this.buffered + piece.length + (nl === -1 ? 0 : 1) > this.maxLineBytes) {
          out.push({ tooLarge: this.buffered + piece.length });
          this.discarding = true;
          this.parts = [];
          this.buffered = 0;
        } else {
          this.parts.push(Buffer.from(piece));
          this.buffered += piece.length;
        }
      }
      if (nl === -1) return out;
      if (!this.discarding) out.push({ line: Buffer.concat(this.parts) });
      this.discarding = false;
      this.parts = [];
      this.buffered = 0;
      data = data.subarray(nl + 1);
    }
  }

  /** Bytes of an unfinished line at end of stream (a truncated message). */
  get pending(): number {
    return this.buffered;
  }
}
