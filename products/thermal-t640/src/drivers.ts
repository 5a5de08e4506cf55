import type { ProductDrivers } from '@camera/platform/drivers';

/**
 * Thermal T640: 640 × 512 uncooled VOx microbolometer (12 µm) at 30 Hz with a radiometric
 * core. The focal plane array is held near 32 °C by its thermo-electric stabiliser.
 */

/**
 * The calibration scene the factory test uses: a vertical gradient from a cold sky (top) to
 * warm ground (bottom), a person-sized hot spot just below the centre, and a slow ambient drift.
 */
function sceneTemperature(x: number, y: number, uptimeMs: number): number {
  const background = 12 + 10 * y;
  const person = 24.5 * Math.exp(-((x - 0.5) ** 2 + (y - 0.55) ** 2) / (2 * 0.06 ** 2));
  const drift = 0.3 * Math.sin((2 * Math.PI * uptimeMs) / 3_600_000);
  return background + person + drift;
}

const drivers: ProductDrivers = {
  sensor: {
    name: 'VOx 640x512 12um',
    interface: { name: 'sensor.mipi-csi2', version: '2.0.0' },
    width: 640,
    height: 512,
    fps: 30,
    maxTemperatureC: 70,
    readTemperature: (uptimeMs) => 24 + 8 * (1 - Math.exp(-uptimeMs / 300_000)),
  },
  thermal: {
    interface: { name: 'thermal.radiometric', version: '1.1.0' },
    // High-gain and low-gain modes together.
    rangeC: [-40, 550],
    spotTemperature: (x, y, uptimeMs) => sceneTemperature(Math.min(1, Math.max(0, x)), Math.min(1, Math.max(0, y)), uptimeMs),
  },
};

export default drivers;
