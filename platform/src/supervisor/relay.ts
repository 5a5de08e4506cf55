import { IpcError } from '../errors.js';
import { ROUTES, type Domain, type IpcMessage } from '../ipc/index.js';

/**
 * Where a message from `from` goes. Each domain may send only the types granted to it (the
 * `ipc` grants of platform.json, mirrored by ROUTES): a compromised protocol domain cannot
 * impersonate the core, e.g. forge health reports or shutdown requests.
 */
export function planDelivery(from: Domain, message: IpcMessage): readonly Domain[] {
  const route = ROUTES[message.type];
  if (route.from !== from) {
    throw new IpcError('IPC_FORBIDDEN', `${from} may not send ${message.type} (only ${route.from} may)`);
  }
  return route.to;
}
