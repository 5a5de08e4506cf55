import { frameTimestampUs, renderFrame, type FrameGeometry } from './pattern.js';

export interface Frame {
  readonly index: number;
  readonly timestampUs: number;
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** Monotonic time and timers, passed in so the pacing logic can be driven by a fake clock. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): { cancel(): void };
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    return {
      cancel: () => {
        clearTimeout(handle);
      },
    };
  },
};

export interface AcquisitionStats {
  readonly produced: number;
  /** Frame slots that passed while the process was busy: the sensor delivered, nobody read. */
  readonly droppedLate: number;
  readonly lastIndex: number;
  readonly lastTimestampUs: number;
}

/**
 * Paces the synthetic sensor at its frame rate. Frame `i` belongs to the slot starting at
 * `i / fps` after start; when the loop falls a whole slot behind, the missed slots count as
 * dropped and acquisition continues at the current slot (a sensor does not wait).
 */
export class Acquisition {
  private slot = 0;
  private startedAt = 0;
  private timer: { cancel(): void } | undefined;
  private stats: AcquisitionStats = { produced: 0, droppedLate: 0, lastIndex: 0, lastTimestampUs: 0 };

  constructor(
    private readonly fps: number,
    private readonly geometry: Pick<FrameGeometry, 'width' | 'height'>,
    private readonly onFrame: (frame: Frame) => void,
    private readonly clock: Clock = realClock,
  ) {}

  get snapshot(): AcquisitionStats {
    return this.stats;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.startedAt = this.clock.now();
    this.slot = 0;
    this.tick();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private tick(): void {
    const intervalMs = 1000 / this.fps;
    const due = Math.floor((this.clock.now() - this.startedAt) / intervalMs);
    let droppedLate = this.stats.droppedLate;
    if (due > this.slot) {
      droppedLate += due - this.slot;
      this.slot = due;
    }
    const index = this.slot;
    const timestampUs = frameTimestampUs(index, this.fps);
    const data = renderFrame(index, timestampUs, this.geometry);
    this.stats = { produced: this.stats.produced + 1, droppedLate, lastIndex: index, lastTimestampUs: timestampUs };
    this.slot += 1;
    this.onFrame({ index, timestampUs, width: this.geometry.width, height: this.geometry.height, data });
    const wait = Math.max(0, this.startedAt + this.slot * intervalMs - this.clock.now());
    this.timer = this.clock.setTimeout(() => {
      this.tick();
    }, wait);
  }
}
