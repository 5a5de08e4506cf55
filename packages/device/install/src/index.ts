// @fwkit/device-install: the A/B installer of a simulated device (docs/device.md, README.md).
export { InstallError, type InstallErrorCode } from './errors.js';
export { type DeviceStorage, NodeStorage } from './storage.js';
export { holderIsGone, processStartTime, type LockHolder } from './lock.js';
export { LAYOUT, type BootRecord, type BootState, type SlotInfo, type SlotName } from './record.js';
export {
  Device,
  storageFailure,
  type BootOptions,
  type BootResult,
  type DeviceOptions,
  type DeviceStatus,
  type DurableEvent,
  type InstallResult,
  type RecoverResult,
} from './device.js';
export { DEFAULT_POLICY, type DevicePolicy } from './policy.js';
export { provision, type ProvisionOptions } from './provision.js';
