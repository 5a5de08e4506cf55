import type { ProductDrivers } from '@camera/platform/drivers';

/**
 * Ex d fixed 2MP: 1080p25 starlight sensor in a flameproof stainless-steel housing filled
 * with dry nitrogen at over-pressure. The sealed housing runs hot, and a pressure drop below
 * the alarm threshold means the seal has failed (moisture and gas can enter).
 */

const NOMINAL_KPA = 115;
const ALARM_BELOW_KPA = 108;
/** Permeation through the seals, well within the service interval. */
const LEAK_KPA_PER_HOUR = 0.002;
const DAY_MS = 86_400_000;

const drivers: ProductDrivers = {
  sensor: {
    name: 'IMX327',
    interface: { name: 'sensor.mipi-csi2', version: '2.0.0' },
    width: 1920,
    height: 1080,
    fps: 25,
    maxTemperatureC: 90,
    readTemperature: (uptimeMs) => 38 + 17 * (1 - Math.exp(-uptimeMs / 900_000)),
  },
  housing: {
    interface: { name: 'housing.pressure', version: '1.0.0' },
    alarmBelowKPa: ALARM_BELOW_KPA,
    // Gas pressure follows the housing temperature over the day.
    readPressureKPa: (uptimeMs) =>
      NOMINAL_KPA + 0.6 * Math.sin((2 * Math.PI * uptimeMs) / DAY_MS) - (LEAK_KPA_PER_HOUR * uptimeMs) / 3_600_000,
  },
};

export default drivers;
