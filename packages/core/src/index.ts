export type * from './types.js';
export { createFileshareNode } from './node.js';
export { CoreError, type CoreErrorCode } from './errors.js';
export { defaultReceiveDir, defaultStateDir, parseHostPort } from './defaults.js';
export { FileshareError } from '@fileshare/protocol';
export type { Logger } from '@fileshare/protocol';
