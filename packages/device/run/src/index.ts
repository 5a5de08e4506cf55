// @fwkit/device-run: starts a slot's firmware (the platform supervisor and its domains) in its own
// process group and judges its health over loopback. See README.md for the firmware contract.
export {
  DEFAULT_HEALTH_TIMEOUT_MS,
  type FirmwareLaunch,
  type FirmwareFailureCode,
  type HealthVerdict,
  type RunningFirmware,
  type FirmwareRunner,
} from './types.js';
export { MAX_HEALTH_TIMEOUT_MS, startFirmware, STOP_GRACE_MS } from './launch.js';
