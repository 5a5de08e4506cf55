/**
 * Deterministic synthetic video: a pure function of (frame index, timestamp, geometry), so two
 * runs produce byte-identical frames and a test can check any frame it receives.
 *
 * Frames are 8-bit luma (`gray8`). Like the embedded data lines of real sensors, row 0 carries
 * metadata: the magic "FWKT", the frame index and the capture timestamp in microseconds (both
 * unsigned 64-bit big-endian). Below it: eight vertical bars and a box that bounces by frame.
 */

export const EMBEDDED_MAGIC = 'FWKT';
const EMBEDDED_BYTES = 20;
/** Narrowest frame that still holds the embedded data line. */
export const MIN_FRAME_WIDTH = 32;

/** Luma of the eight bars (ITU-R BT.601 75 % colour bars). */
const BARS = [180, 162, 131, 112, 84, 65, 35, 16] as const;

export interface FrameGeometry {
  readonly width: number;
  readonly height: number;
  /** Sensor pixels per rendered pixel along each axis. */
  readonly scale: number;
}

/**
 * The synthetic sensor renders the sensor's resolution divided by the smallest integer that
 * brings the width to `maxWidth` or less: enough to exercise the pipeline at the real frame
 * rate without spending a CPU on 4K test patterns.
 */
export function frameGeometry(sensorWidth: number, sensorHeight: number, maxWidth: number): FrameGeometry {
  const scale = Math.max(1, Math.ceil(sensorWidth / maxWidth));
  const width = Math.max(MIN_FRAME_WIDTH, Math.floor(sensorWidth / scale));
  const height = Math.max(2, Math.floor(sensorHeight / scale));
  return { width, height, scale };
}

/** Ideal capture time of frame `index` at `fps`, in microseconds from the start of acquisition. */
export function frameTimestampUs(index: number, fps: number): number {
  return Math.round((index * 1_000_000) / fps);
}

/** Position along a segment of `range` that goes back and forth with `t`. */
function bounce(t: number, range: number): number {
  if (range <= 0) return 0;
  const m = t % (2 * range);
  return m <= range ? m : 2 * range - m;
}

export function renderFrame(index: number, timestampUs: number, geometry: Pick<FrameGeometry, 'width' | 'height'>): Uint8Array {
  const { width, height } = geometry;
  const frame = new Uint8Array(width * height);
  const row = new Uint8Array(width);
  for (let x = 0; x < width; x++) row[x] = BARS[Math.min(BARS.length - 1, Math.floor((x * BARS.length) / width))] ?? 16;
  for (let y = 1; y < height; y++) frame.set(row, y * width);

  const size = Math.max(2, Math.floor(Math.min(width, height - 1) / 6));
  const bx = bounce(index * 4, width - size);
  const by = 1 + bounce(index * 3, height - 1 - size);
  const luma = 200 + (index % 36);
  for (let y = by; y < Math.min(height, by + size); y++) frame.fill(luma, y * width + bx, y * width + bx + size);

  const meta = new DataView(frame.buffer, 0, EMBEDDED_BYTES);
  for (let i = 0; i < EMBEDDED_MAGIC.length; i++) meta.setUint8(i, EMBEDDED_MAGIC.charCodeAt(i));
  meta.setBigUint64(4, BigInt(index));
  meta.setBigUint64(12, BigInt(timestampUs));
  return frame;
}

/** The embedded data line of a frame, or undefined when it has none. */
export function readEmbeddedData(frame: Uint8Array): { frameIndex: number; timestampUs: number } | undefined {
  if (frame.byteLength < EMBEDDED_BYTES) return undefined;
  const meta = new DataView(frame.buffer, frame.byteOffset, EMBEDDED_BYTES);
  for (let i = 0; i < EMBEDDED_MAGIC.length; i++) if (meta.getUint8(i) !== EMBEDDED_MAGIC.charCodeAt(i)) return undefined;
  return { frameIndex: Number(meta.getBigUint64(4)), timestampUs: Number(meta.getBigUint64(12)) };
}
