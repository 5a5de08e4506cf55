import type { ProductDrivers, SensorInterface } from '../drivers.js';
import { StartupError } from '../errors.js';
import type { Capability } from '../ipc/index.js';
import { MIN_FRAME_WIDTH } from './pattern.js';

/**
 * Sensor buses this platform release drives, with the major version of each it speaks. Mirrors
 * the `sensor-*` features of platform.json: the release gate checks the hardware, this checks
 * that the product's drivers were written for an interface the platform code understands.
 */
export const SENSOR_INTERFACES: Readonly<Record<SensorInterface, number>> = {
  'sensor.mipi-csi2': 2,
  'sensor.parallel': 1,
};

function majorOf(version: string): number | undefined {
  const m = /^(\d+)\.\d+\.\d+$/.exec(version);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

function invalid(message: string): never {
  throw new StartupError('DRIVER_INVALID', message);
}

/**
 * Product code is compiled into the image but written by another team: check once at startup
 * that it fits the platform, and derive the capabilities the core announces.
 */
export function checkDrivers(drivers: ProductDrivers): Capability[] {
  const { sensor } = drivers;
  const supportedMajor = (SENSOR_INTERFACES as Record<string, number | undefined>)[sensor.interface.name];
  if (supportedMajor === undefined) invalid(`sensor interface ${sensor.interface.name} is not supported by this platform`);
  if (majorOf(sensor.interface.version) !== supportedMajor) {
    invalid(`sensor driver speaks ${sensor.interface.name} ${sensor.interface.version}; the platform speaks ${supportedMajor}.x`);
  }
  const dims = [sensor.width, sensor.height];
  if (!dims.every((d) => Number.isInteger(d) && d >= MIN_FRAME_WIDTH && d <= 16384)) {
    invalid(`sensor resolution ${sensor.width}x${sensor.height} is out of range`);
  }
  if (!(sensor.fps > 0 && sensor.fps <= 240)) invalid(`sensor frame rate ${sensor.fps} is out of range`);

  const capabilities: Capability[] = [];
  if (drivers.ptz !== undefined) {
    const { limits, presets } = drivers.ptz;
    // Within what a ptz.result message can carry.
    const bounds = [
      [limits.pan, -360, 360],
      [limits.tilt, -180, 180],
      [limits.zoom, 1, 1000],
    ] as const;
    const fits = bounds.every(([[min, max], lo, hi]) => lo <= min && min <= max && max <= hi);
    if (!fits || !Number.isInteger(presets) || presets < 0 || presets > 256) {
      invalid('PTZ limits or preset count out of range');
    }
    capabilities.push('ptz');
  }
  if (drivers.thermal !== undefined) capabilities.push('thermal');
  if (drivers.housing !== undefined) capabilities.push('housing');
  return capabilities;
}
