import type { ProductDrivers, PtzDriver, PtzPosition } from '@camera/platform/drivers';

/**
 * PTZ 4K dome: 1/1.2" 4K sensor on MIPI CSI-2, a VISCA pan/tilt/zoom head with a 30x optical
 * zoom. The head slews at 300 °/s pan and 200 °/s tilt; a move resolves when the target is
 * reached (capped, as the head reports arrival before the last fraction of a degree).
 */

const LIMITS = { pan: [-170, 170], tilt: [-90, 20], zoom: [1, 30] } as const;
const PAN_SPEED_DEG_S = 300;
const TILT_SPEED_DEG_S = 200;
const MAX_SLEW_MS = 1200;

/** Factory presets; the other preset slots (up to 256) are empty until an operator stores one. */
const FACTORY_PRESETS: ReadonlyMap<number, PtzPosition> = new Map([
  [1, { pan: 0, tilt: 0, zoom: 1 }],
  [2, { pan: 90, tilt: -15, zoom: 4 }],
  [3, { pan: -90, tilt: -15, zoom: 4 }],
  [4, { pan: 170, tilt: -45, zoom: 12 }],
]);

const clamp = (value: number, [min, max]: readonly [number, number]) => Math.min(max, Math.max(min, value));

function createHead(): PtzDriver {
  let position: PtzPosition = { pan: 0, tilt: 0, zoom: 1 };
  const slewTo = (target: PtzPosition): Promise<PtzPosition> => {
    const next = { pan: clamp(target.pan, LIMITS.pan), tilt: clamp(target.tilt, LIMITS.tilt), zoom: clamp(target.zoom, LIMITS.zoom) };
    const ms = Math.min(
      MAX_SLEW_MS,
      Math.max(
        (Math.abs(next.pan - position.pan) / PAN_SPEED_DEG_S) * 1000,
        (Math.abs(next.tilt - position.tilt) / TILT_SPEED_DEG_S) * 1000,
      ),
    );
    return new Promise((resolve) => {
      setTimeout(() => {
        position = next;
        resolve(position);
      }, ms);
    });
  };
  return {
    interface: { name: 'ptz.visca', version: '2.1.0' },
    limits: LIMITS,
    presets: 256,
    position: () => position,
    move: slewTo,
    gotoPreset: (preset) => {
      const target = FACTORY_PRESETS.get(preset);
      if (target === undefined) return Promise.reject(new Error(`preset ${preset} is not stored`));
      return slewTo(target);
    },
  };
}

const drivers: ProductDrivers = {
  sensor: {
    name: 'IMX585',
    interface: { name: 'sensor.mipi-csi2', version: '2.1.0' },
    width: 3840,
    height: 2160,
    fps: 30,
    maxTemperatureC: 85,
    // Pan/tilt motors and the ISP warm the dome: from 25 °C to about 47 °C over ~10 minutes.
    readTemperature: (uptimeMs) => 25 + 22 * (1 - Math.exp(-uptimeMs / 600_000)),
  },
  ptz: createHead(),
};

export default drivers;
