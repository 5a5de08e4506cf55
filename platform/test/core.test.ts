import { inflateSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { Acquisition, type Clock, type Frame } from '../src/core/acquisition.js';
import { Compressor } from '../src/core/compressor.js';
import { checkDrivers } from '../src/core/drivers-check.js';
import { HealthMonitor, type HealthInput } from '../src/core/health.js';
import { frameGeometry, frameTimestampUs, readEmbeddedData, renderFrame } from '../src/core/pattern.js';
import type { ProductDrivers } from '../src/drivers.js';
import { isPlatformError } from '../src/errors.js';
import testDrivers from './fixtures/test-drivers.js';

/** A clock that moves only when told to, running due timers in order. */
function fakeClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  let timers: Array<{ at: number; run: () => void; cancelled: boolean }> = [];
  return {
    now: () => now,
    setTimeout: (run, ms) => {
      const timer = { at: now + ms, run, cancelled: false };
      timers.push(timer);
      return { cancel: () => (timer.cancelled = true) };
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const next = timers
          .filter((t) => !t.cancelled && t.at <= end)
          .sort((a, b) => a.at - b.at)
          .at(0);
        if (next === undefined) break;
        timers = timers.filter((t) => t !== next);
        now = next.at;
        next.run();
      }
      now = end;
    },
  };
}

describe('test pattern', () => {
  const geometry = { width: 64, height: 48 };

  test('is a pure function of index and timestamp', () => {
    expect(renderFrame(5, 166_667, geometry)).toEqual(renderFrame(5, 166_667, geometry));
    expect(renderFrame(5, 166_667, geometry)).not.toEqual(renderFrame(6, 200_000, geometry));
    expect(renderFrame(0, 0, geometry).byteLength).toBe(64 * 48);
  });

  test('carries index and timestamp in its embedded data line', () => {
    expect(readEmbeddedData(renderFrame(123_456, frameTimestampUs(123_456, 25), geometry))).toEqual({
      frameIndex: 123_456,
      timestampUs: 4_938_240_000,
    });
    expect(readEmbeddedData(new Uint8Array(64 * 48))).toBeUndefined();
  });

  test('is rendered at the sensor resolution divided by an integer', () => {
    expect(frameGeometry(3840, 2160, 640)).toEqual({ width: 640, height: 360, scale: 6 });
    expect(frameGeometry(1920, 1080, 640)).toEqual({ width: 640, height: 360, scale: 3 });
    expect(frameGeometry(640, 512, 640)).toEqual({ width: 640, height: 512, scale: 1 });
  });
});

describe('Acquisition', () => {
  test('produces one frame per slot at the sensor frame rate, until stopped', () => {
    const clock = fakeClock();
    const frames: Frame[] = [];
    const acq = new Acquisition(25, { width: 32, height: 8 }, (f) => frames.push(f), clock);
    acq.start();
    clock.advance(40 * 3);
    expect(frames.map((f) => f.index)).toEqual([0, 1, 2, 3]);
    expect(frames.map((f) => f.timestampUs)).toEqual([0, 40_000, 80_000, 120_000]);
    expect(acq.snapshot).toMatchObject({ produced: 4, droppedLate: 0, lastIndex: 3 });
    acq.stop();
    clock.advance(400);
    expect(frames).toHaveLength(4);
  });

  test('after a stall, acquisition resumes at the current slot', () => {
    let now = 0;
    const pending: Array<() => void> = [];
    const clock: Clock = { now: () => now, setTimeout: (run) => (pending.push(run), { cancel: () => undefined }) };
    const frames: Frame[] = [];
    const acq = new Acquisition(10, { width: 32, height: 8 }, (f) => frames.push(f), clock);
    acq.start();
    now = 100;
    pending.shift()?.();
    now = 550; // slots 2, 3 and 4 passed unread
    pending.shift()?.();
    expect(frames.map((f) => f.index)).toEqual([0, 1, 5]);
    expect(acq.snapshot).toMatchObject({ produced: 3, droppedLate: 3, lastIndex: 5, lastTimestampUs: 500_000 });
    acq.stop();
  });
});

describe('Compressor', () => {
  test('deflates frames, reports the ratio, keeps the latest, and refuses beyond its queue', async () => {
    const c = new Compressor(2);
    const frame = (index: number): Frame => ({
      index,
      timestampUs: index * 1000,
      width: 64,
      height: 48,
      data: renderFrame(index, index * 1000, { width: 64, height: 48 }),
    });
    expect(c.submit(frame(0))).toBe(true);
    expect(c.submit(frame(1))).toBe(true);
    expect(c.submit(frame(2))).toBe(false);
    await c.idle();
    const stats = c.snapshot;
    expect(stats).toMatchObject({ frames: 2, rawBytes: 2 * 64 * 48, errors: 0 });
    expect(stats.ratio).toBeCloseTo(stats.rawBytes / stats.compressedBytes);
    expect(stats.ratio).toBeGreaterThan(1);
    expect(c.latest?.index).toBe(1);
    expect(new Uint8Array(inflateSync(c.latest?.data ?? Buffer.alloc(0)))).toEqual(frame(1).data);
  });
});

describe('HealthMonitor', () => {
  const input = (over: Partial<HealthInput> = {}): HealthInput => ({
    uptimeMs: 1000,
    acquisition: { produced: 30, droppedLate: 1, lastIndex: 30, lastTimestampUs: 1_000_000 },
    droppedEncoderBusy: 2,
    compression: { frames: 27, rawBytes: 27_000, compressedBytes: 1000, ratio: 27, errors: 0 },
    targetFps: 30,
    temperatureC: 40,
    maxTemperatureC: 80,
    memory: { rssBytes: 1, heapUsedBytes: 1 },
    telemetry: {},
    ...over,
  });

  test('a healthy pipeline is ok, with dropped frames summed', () => {
    const r = new HealthMonitor().report(input());
    expect(r).toMatchObject({ seq: 0, status: 'ok', warnings: [], frames: { dropped: 3, fps: 30 }, compression: { ratio: 27 } });
  });

  test('overheating, a breached housing and a low frame rate degrade it, each with a warning', () => {
    const m = new HealthMonitor();
    m.report(input({ uptimeMs: 0, acquisition: { produced: 0, droppedLate: 0, lastIndex: 0, lastTimestampUs: 0 } }));
    const r = m.report(
      input({
        uptimeMs: 2500,
        acquisition: { produced: 50, droppedLate: 20, lastIndex: 70, lastTimestampUs: 2_333_333 },
        temperatureC: 91,
        maxTemperatureC: 90,
        telemetry: { housingPressureKPa: 101.3, housingPressureOk: false },
        alarmBelowKPa: 108,
      }),
    );
    expect(r.seq).toBe(1);
    expect(r.status).toBe('degraded');
    expect(r.frames.fps).toBe(20);
    expect(r.warnings).toHaveLength(3);
    expect(r.warnings.join('\n')).toMatch(/frame rate 20 fps[\s\S]*91 °C[\s\S]*101\.3 kPa is below 108 kPa/);
  });
});

describe('checkDrivers', () => {
  const withSensor = (over: Partial<ProductDrivers['sensor']>): ProductDrivers => ({ sensor: { ...testDrivers.sensor, ...over } });
  const codeOf = (d: ProductDrivers) => {
    try {
      checkDrivers(d);
      return 'ok';
    } catch (error) {
      return isPlatformError(error) ? error.code : 'untyped';
    }
  };

  test('derives the capabilities from the optional drivers', () => {
    expect(checkDrivers(testDrivers)).toEqual(['ptz', 'thermal', 'housing']);
    expect(checkDrivers({ sensor: testDrivers.sensor })).toEqual([]);
  });

  test.each([
    ['an unknown sensor bus', withSensor({ interface: { name: 'sensor.usb' as 'sensor.parallel', version: '1.0.0' } })],
    ['a sensor bus major the platform does not speak', withSensor({ interface: { name: 'sensor.mipi-csi2', version: '3.0.0' } })],
    ['a resolution below the embedded data line', withSensor({ width: 16 })],
    ['a fractional resolution', withSensor({ height: 240.5 })],
    ['a zero frame rate', withSensor({ fps: 0 })],
    [
      'PTZ limits the IPC cannot carry',
      {
        ...testDrivers,
        ptz: { ...(testDrivers.ptz as NonNullable<ProductDrivers['ptz']>), limits: { pan: [-720, 720], tilt: [-90, 20], zoom: [1, 10] } },
      },
    ],
  ] as const)('refuses %s with DRIVER_INVALID', (_what, drivers) => {
    expect(codeOf(drivers)).toBe('DRIVER_INVALID');
  });
});
