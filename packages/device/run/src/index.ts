// @fwkit/device-run: starts a slot's firmware, each security domain in its own sandbox (or, in
// the development mode, as plain processes), and judges its health over loopback. See README.md.
export {
  DEFAULT_HEALTH_TIMEOUT_MS,
  type DomainLaunch,
  type FirmwareLaunch,
  type FirmwareFailureCode,
  type HealthVerdict,
  type Isolation,
  type RunningFirmware,
  type FirmwareRunner,
} from './types.js';
export { HEALTH_TIMEOUT_RULE, isHealthTimeout, MAX_HEALTH_TIMEOUT_MS, startFirmware } from './launch.js';
export { STOP_GRACE_MS } from './domains.js';
export { isolationHost } from './host.js';
export { procStat } from './process-group.js';
export { CONTROLS, type Control, ACTIVE_SLOT } from './sandbox.js';
export { DOMAIN_LIMITS, type DomainLimits } from './cgroups.js';
