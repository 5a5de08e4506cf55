export * from './keys.js';
export * from './image.js';
export * from './tar.js';
export * from './codes.js';
export * from './system-tools.js';
export * from './checkout.js';
export * from './matrix.js';
export * from './browser.js';
