export * from './constants.js';
export * from './errors.js';
export * from './device-id.js';
export * from './signaling.js';
export * from './discovery.js';
export * from './channel.js';
export * from './logger.js';
export * from './transfer.js';
