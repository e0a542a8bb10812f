#!/usr/bin/env node
// `npm start`: bundles the TUI if a source changed since the last bundle (about a second;
// nothing otherwise), then runs it in this process, in the folder `npm start` was typed in.
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { bundleApp, outDir } from './bundle.mjs';

try {
  // Errors only: a warning printed here would stay above the TUI, where nobody can act on it.
  await bundleApp('tui', { ifChanged: true, logLevel: 'error' });
} catch (error) {
  if (!Array.isArray(error?.errors)) console.error(error);
  console.error('npm start: the TUI did not build; the errors are above.');
  process.exit(1);
} finally {
  // esbuild's service process is not needed any more and must not outlive the TUI.
  await esbuild.stop();
}

// npm runs scripts in the package folder; paths typed after `npm start --` are meant from the
// folder the user is in, which npm passes as INIT_CWD.
if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
await import(pathToFileURL(join(outDir('tui'), 'bin', 'fileshare.js')).href);
