import drivers from 'fwkit:drivers';
import { describe, Reading } from './describe.js';

export function start(): string {
  return describe(__FWKIT_BUILD__.model, __FWKIT_BUILD__.firmware, drivers.sensor, new Reading(drivers.read()));
}
