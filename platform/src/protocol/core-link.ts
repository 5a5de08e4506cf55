import { ApiError } from '../errors.js';
import { message, type BodyOf, type IpcMessage, type MessageOf } from '../ipc/index.js';

type Reply = MessageOf<'ptz.result'> | MessageOf<'snapshot.result'>;
type ReplyType = Reply['type'];

interface Pending {
  readonly expect: ReplyType;
  readonly resolve: (reply: Reply) => void;
  readonly reject: (error: ApiError) => void;
  readonly timer: NodeJS.Timeout;
}

export interface CoreLinkOptions {
  /** Sends to the core over IPC; false when the channel is closed. */
  readonly send: (message: IpcMessage) => boolean;
  readonly now?: () => number;
  readonly timeoutMs?: number;
  /** Requests that may wait for the core at once; more are refused instead of queued without bound. */
  readonly maxPending?: number;
}

/**
 * The protocol domain's view of the core: what it announced, its latest health report, and
 * request/response pairs over IPC matched by request id.
 */
export class CoreLink {
  private announced: BodyOf<'core.ready'> | undefined;
  private latestHealth: { readonly report: BodyOf<'health.report'>; readonly receivedAt: number } | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private readonly maxPending: number;

  constructor(private readonly options: CoreLinkOptions) {
    this.now = options.now ?? (() => performance.now());
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.maxPending = options.maxPending ?? 32;
  }

  get ready(): BodyOf<'core.ready'> | undefined {
    return this.announced;
  }

  get health(): { readonly report: BodyOf<'health.report'>; readonly ageMs: number } | undefined {
    return this.latestHealth === undefined
      ? undefined
      : { report: this.latestHealth.report, ageMs: this.now() - this.latestHealth.receivedAt };
  }

  /** Takes a message from the core; false when it is not one the link expects. */
  handle(m: IpcMessage): boolean {
    switch (m.type) {
      case 'core.ready':
        this.announced = m.body;
        return true;
      case 'health.report':
        this.latestHealth = { report: m.body, receivedAt: this.now() };
        return true;
      case 'ptz.result':
      case 'snapshot.result':
        return this.settle(m);
      default:
        return false;
    }
  }

  ptz(command: { pan: number; tilt: number; zoom: number } | { preset: number }): Promise<MessageOf<'ptz.result'>> {
    return this.request('ptz.result', (requestId) =>
      message(
        'ptz.command',
        'preset' in command ? { action: 'preset', requestId, preset: command.preset } : { action: 'move', requestId, ...command },
      ),
    ) as Promise<MessageOf<'ptz.result'>>;
  }

  snapshot(): Promise<MessageOf<'snapshot.result'>> {
    return this.request('snapshot.result', (requestId) => message('snapshot.request', { requestId })) as Promise<
      MessageOf<'snapshot.result'>
    >;
  }

  /** Fails every waiting request (the channel closed). */
  closeAll(): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(new ApiError('CORE_UNAVAILABLE', 503, 'the IPC channel to the core closed'));
    }
  }

  private request(expect: ReplyType, build: (requestId: number) => IpcMessage): Promise<Reply> {
    if (this.announced === undefined) return Promise.reject(new ApiError('CORE_UNAVAILABLE', 503, 'the core has not started yet'));
    if (this.pending.size >= this.maxPending)
      return Promise.reject(new ApiError('CORE_BUSY', 503, 'too many requests are waiting for the core'));
    const requestId = this.nextId;
    this.nextId = this.nextId >= 2 ** 31 - 1 ? 1 : this.nextId + 1;
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new ApiError('CORE_TIMEOUT', 504, `the core did not answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(requestId, { expect, resolve, reject, timer });
      if (!this.options.send(build(requestId))) {
        clearTimeout(timer);
        this.pending.delete(requestId);
        reject(new ApiError('CORE_UNAVAILABLE', 503, 'the IPC channel to the core is closed'));
      }
    });
  }

  private settle(reply: Reply): boolean {
    const p = this.pending.get(reply.body.requestId);
    // A reply nobody waits for (late, or of the wrong type) is dropped, never matched to another request.
    if (p?.expect !== reply.type) return false;
    clearTimeout(p.timer);
    this.pending.delete(reply.body.requestId);
    p.resolve(reply);
    return true;
  }
}
