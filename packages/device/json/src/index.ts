export {
  parseJson,
  formatJsonPath,
  isJsonParseError,
  JsonParseError,
  DEFAULT_MAX_DEPTH,
  type JsonErrorCode,
  type JsonParseOptions,
} from './parse.js';
