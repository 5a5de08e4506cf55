export { main, USAGE, type Command } from './main.js';
export { processIo } from './process-io.js';
export type { Io } from './io.js';
export { EXIT, UsageError, CliError } from './errors.js';
