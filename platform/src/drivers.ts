/**
 * The driver interfaces a product implements in `products/<id>/src/drivers.ts`. The platform's
 * core domain imports the product's drivers as the module `fwkit:drivers`, which the build
 * resolves to the file named by `drivers` in product.json. Only the core domain may import it:
 * the protocol domain never touches hardware.
 *
 * Readings take the uptime in milliseconds instead of reading a clock, so a driver is a pure,
 * deterministic model of its hardware and can be tested as such.
 */

/** A hardware interface and the version of it the driver was written against. */
export interface InterfaceUse<Name extends string = string> {
  readonly name: Name;
  /** Semantic version; every revision the driver runs on must provide the same major, at least this minor. */
  readonly version: string;
}

/** Sensor buses the platform's acquisition understands. */
export type SensorInterface = 'sensor.mipi-csi2' | 'sensor.parallel';

export interface SensorDriver {
  /** Part name of the image sensor, e.g. "IMX585". */
  readonly name: string;
  readonly interface: InterfaceUse<SensorInterface>;
  /** Active pixels. */
  readonly width: number;
  readonly height: number;
  /** Frames per second of the main stream. */
  readonly fps: number;
  /** Above this die temperature the health monitor reports `degraded`. */
  readonly maxTemperatureC: number;
  /** Sensor die temperature in °C, `uptimeMs` after power-on. */
  readTemperature(uptimeMs: number): number;
}

export interface PtzPosition {
  readonly pan: number;
  readonly tilt: number;
  readonly zoom: number;
}

export interface PtzLimits {
  readonly pan: readonly [min: number, max: number];
  readonly tilt: readonly [min: number, max: number];
  readonly zoom: readonly [min: number, max: number];
}

/** Pan/tilt/zoom head (`ptz-control` feature, interface `ptz.visca`). */
export interface PtzDriver {
  readonly interface: InterfaceUse<'ptz.visca'>;
  readonly limits: PtzLimits;
  /** Number of presets; presets are numbered from 1. */
  readonly presets: number;
  position(): PtzPosition;
  /** Move to `target` (clamped to the limits); resolves with the position reached. */
  move(target: PtzPosition): Promise<PtzPosition>;
  /** Recall preset `preset` (1-based); rejects when it does not exist. */
  gotoPreset(preset: number): Promise<PtzPosition>;
}

/** Radiometric thermal core (`thermal-radiometry` feature, interface `thermal.radiometric`). */
export interface ThermalDriver {
  readonly interface: InterfaceUse<'thermal.radiometric'>;
  /** Measurement range in °C. */
  readonly rangeC: readonly [min: number, max: number];
  /** Temperature in °C of the scene at (x, y), in [0, 1] from the top-left corner. */
  spotTemperature(x: number, y: number, uptimeMs: number): number;
}

/** Pressure sensor of an explosion-proof housing (`ex-proof-monitoring` feature, interface `housing.pressure`). */
export interface HousingDriver {
  readonly interface: InterfaceUse<'housing.pressure'>;
  /** Below this absolute pressure the housing seal has failed and the camera must raise an alarm. */
  readonly alarmBelowKPa: number;
  /** Absolute pressure inside the housing in kPa. */
  readPressureKPa(uptimeMs: number): number;
}

/** Everything a product provides to the platform; optional parts follow the product's features. */
export interface ProductDrivers {
  readonly sensor: SensorDriver;
  readonly ptz?: PtzDriver;
  readonly thermal?: ThermalDriver;
  readonly housing?: HousingDriver;
}
