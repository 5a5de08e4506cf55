import type { BodyOf } from '../ipc/index.js';
import type { AcquisitionStats } from './acquisition.js';
import type { CompressionStats } from './compressor.js';

export type HealthReport = BodyOf<'health.report'>;
export type Telemetry = HealthReport['telemetry'];

export interface HealthInput {
  readonly uptimeMs: number;
  readonly acquisition: AcquisitionStats;
  readonly droppedEncoderBusy: number;
  readonly compression: CompressionStats;
  readonly targetFps: number;
  readonly temperatureC: number;
  readonly maxTemperatureC: number;
  readonly memory: { readonly rssBytes: number; readonly heapUsedBytes: number };
  readonly telemetry: Telemetry;
  /** Housing alarm threshold, for products with `ex-proof-monitoring`. */
  readonly alarmBelowKPa?: number;
}

/** Frame rate is judged over this much history, so one slow timer tick does not raise a warning. */
const FPS_WINDOW_MS = 3000;
const FPS_MIN_SPAN_MS = 2000;
const FPS_TOLERANCE = 0.9;

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * Turns the pipeline's counters and the drivers' readings into a health report. Pure apart
 * from its own history (sequence number, recent frame counts); the caller supplies the time.
 */
export class HealthMonitor {
  private seq = 0;
  private samples: Array<{ uptimeMs: number; produced: number }> = [];

  report(input: HealthInput): HealthReport {
    this.samples.push({ uptimeMs: input.uptimeMs, produced: input.acquisition.produced });
    while (this.samples.length > 2 && (this.samples[1]?.uptimeMs ?? 0) <= input.uptimeMs - FPS_WINDOW_MS) this.samples.shift();
    const oldest = this.samples[0] ?? { uptimeMs: 0, produced: 0 };
    const span = input.uptimeMs - oldest.uptimeMs;
    const fps =
      span > 0
        ? ((input.acquisition.produced - oldest.produced) * 1000) / span
        : input.uptimeMs > 0
          ? (input.acquisition.produced * 1000) / input.uptimeMs
          : 0;

    const warnings: string[] = [];
    if (span >= FPS_MIN_SPAN_MS && fps < input.targetFps * FPS_TOLERANCE) {
      warnings.push(`frame rate ${round2(fps)} fps is below the target ${input.targetFps} fps`);
    }
    if (input.temperatureC > input.maxTemperatureC) {
      warnings.push(`sensor temperature ${round2(input.temperatureC)} °C is above ${input.maxTemperatureC} °C`);
    }
    if (input.telemetry.housingPressureOk === false) {
      warnings.push(
        `housing pressure ${input.telemetry.housingPressureKPa ?? '?'} kPa is below ${input.alarmBelowKPa ?? '?'} kPa: housing seal breached`,
      );
    }
    if (input.compression.errors > 0) warnings.push(`${input.compression.errors} frames failed to compress`);

    const seq = this.seq++;
    const { acquisition: a, compression: c } = input;
    return {
      seq,
      uptimeMs: Math.round(input.uptimeMs),
      status: warnings.length === 0 ? 'ok' : 'degraded',
      warnings,
      frames: {
        produced: a.produced,
        dropped: a.droppedLate + input.droppedEncoderBusy,
        droppedLate: a.droppedLate,
        droppedEncoderBusy: input.droppedEncoderBusy,
        fps: round2(fps),
        targetFps: input.targetFps,
        lastIndex: a.lastIndex,
        lastTimestampUs: a.lastTimestampUs,
      },
      compression: {
        codec: 'deflate',
        frames: c.frames,
        rawBytes: c.rawBytes,
        compressedBytes: c.compressedBytes,
        ratio: round2(c.ratio),
      },
      temperatureC: round2(input.temperatureC),
      memory: input.memory,
      telemetry: input.telemetry,
    };
  }
}
