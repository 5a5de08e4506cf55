import type { ProductDrivers } from '@camera/platform/drivers';

/**
 * Fixed 1080p bullet (2019): 1080p30 sensor on the parallel (DVP) bus, no PTZ, no thermal,
 * no housing monitoring. Passive cooling only, so it runs warmer than the newer models.
 */
const drivers: ProductDrivers = {
  sensor: {
    name: 'AR0230',
    interface: { name: 'sensor.parallel', version: '1.2.0' },
    width: 1920,
    height: 1080,
    fps: 30,
    maxTemperatureC: 80,
    readTemperature: (uptimeMs) => 30 + 20 * (1 - Math.exp(-uptimeMs / 600_000)),
  },
};

export default drivers;
