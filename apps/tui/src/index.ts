export { run, type RunIo } from './run.js';
export { parseCli, type CliParse, type TuiOptions } from './cli.js';
export { App, type AppProps } from './ui/App.js';
export { reduce, initialState } from './state/reducer.js';
export type { UiState, UiAction, Input } from './state/types.js';
