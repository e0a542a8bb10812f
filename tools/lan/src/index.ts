export type { Lan, LanHost, LanInit, SpawnOptions, ExecResult } from './lan.js';
export { createLan, sweepStaleNamespaces } from './lan.js';
export { lanUnavailableReason } from './availability.js';
export { LanError } from './errors.js';
export type { LanErrorCode } from './errors.js';
export { describeLan } from './describe-lan.js';
export { waitForOutput } from './wait.js';
export type { WaitForOutputOptions } from './wait.js';
