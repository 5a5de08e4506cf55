export { IpcError, isIpcError, type IpcErrorCode } from '../errors.js';
export {
  IPC_VERSION,
  MAX_LINE_BYTES,
  MAX_SNAPSHOT_BASE64,
  MESSAGE_TYPES,
  ROUTES,
  isMessageType,
  sendableBy,
  type BodyOf,
  type Capability,
  type Domain,
  type IpcMessage,
  type MessageOf,
  type MessageType,
  type PtzPosition,
} from './messages.js';
export { decodeMessage, encodeMessage, message, LineSplitter } from './codec.js';
export { Channel, IPC_FD, openParentChannel, type ChannelHandlers } from './channel.js';
