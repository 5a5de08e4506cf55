import { fstatSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { decodeMessage, encodeMessage, LineSplitter } from './codec.js';
import { IpcError, isIpcError } from '../errors.js';
import type { IpcMessage } from './messages.js';

/** File descriptor on which the supervisor hands each domain its end of the IPC channel. */
export const IPC_FD = 3;

export interface ChannelHandlers {
  /** A message that passed the contract. */
  onMessage(message: IpcMessage): void;
  /** A line that did not; the channel stays open and the line is dropped. */
  onInvalid(error: IpcError): void;
  /** The peer closed the channel (or it broke). */
  onClose(): void;
}

/** One end of a typed IPC channel over a byte stream (a socket pair from the supervisor). */
export class Channel {
  private readonly splitter = new LineSplitter();
  private closed = false;

  constructor(
    private readonly stream: Duplex,
    private readonly handlers: ChannelHandlers,
  ) {
    stream.on('data', (chunk: Buffer) => {
      this.receive(chunk);
    });
    stream.on('end', () => {
      this.finish();
    });
    stream.on('close', () => {
      this.finish();
    });
    // A broken pipe is a close: the peer is gone, there is nobody to report to.
    stream.on('error', () => {
      this.finish();
    });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Queue `message`; false when the channel is already closed. */
  send(message: IpcMessage): boolean {
    if (this.closed) return false;
    this.stream.write(encodeMessage(message));
    return true;
  }

  close(): void {
    if (!this.closed) this.stream.end();
  }

  private receive(chunk: Buffer): void {
    for (const item of this.splitter.push(chunk)) {
      if ('tooLarge' in item) {
        this.handlers.onInvalid(new IpcError('IPC_TOO_LARGE', `dropped a line of more than ${item.tooLarge} bytes`));
        continue;
      }
      let decoded: IpcMessage;
      try {
        decoded = decodeMessage(item.line);
      } catch (error) {
        if (!isIpcError(error)) throw error;
        this.handlers.onInvalid(error);
        continue;
      }
      this.handlers.onMessage(decoded);
    }
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers.onClose();
  }
}

/** The channel a domain process inherited from the supervisor on fd 3. */
export function openParentChannel(handlers: ChannelHandlers): Channel {
  const missing = `no IPC channel on fd ${IPC_FD}: start this domain through the supervisor`;
  let stat;
  try {
    stat = fstatSync(IPC_FD);
  } catch (cause) {
    throw new IpcError('IPC_CLOSED', missing, { cause });
  }
  // Some other inherited descriptor (a file, a terminal) is not a channel to talk on.
  if (!stat.isSocket() && !stat.isFIFO()) throw new IpcError('IPC_CLOSED', missing);
  return new Channel(new Socket({ fd: IPC_FD, readable: true, writable: true }), handlers);
}
