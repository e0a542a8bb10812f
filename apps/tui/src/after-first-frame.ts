// What run.tsx loads after drawing the first frame: these modules import core (and through it
// the native WebRTC module), which takes most of the start-up time. One module, loaded once,
// so that every caller waits on the same import.
export { describeError } from './errors.js';
export { openHistoryStore } from './state/history-store.js';
export { App } from './ui/App.js';
export { render } from 'ink';
