#!/usr/bin/env node
// `npm run install-commands [-- --prefix DIR]` (or PREFIX=DIR): bundles both apps, packs each
// with `npm pack` and installs the two tarballs with `npm install -g`, so that `fileshare` and
// `fileshare-agent` are commands on PATH. Without a prefix npm's global prefix is used
// (`npm prefix -g`); the commands land in <prefix>/bin.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import { APPS, bundleApp } from './bundle.mjs';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Installs both commands; returns the folder they are in. */
export async function installCommands({ prefix, root, quiet = false } = {}) {
  const say = quiet ? () => {} : (line) => console.log(line);
  const packed = await mkdtemp(join(tmpdir(), 'fileshare-pack-'));
  try {
    const tarballs = [];
    for (const app of Object.keys(APPS)) {
      const { out } = await bundleApp(app, { root });
      const [info] = JSON.parse(execFileSync(npm, ['pack', out, '--pack-destination', packed, '--json', '--loglevel=error'], { encoding: 'utf8' }));
      tarballs.push(join(packed, info.filename));
      say(`packed ${info.name} ${info.version} (${Math.round(info.size / 1024)} KiB)`);
    }
    // Only node-datachannel (with its build for this platform) is fetched: everything else is in the bundles.
    const args = ['install', '--global', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...(prefix ? ['--prefix', prefix] : []), ...tarballs];
    execFileSync(npm, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  } finally {
    await rm(packed, { recursive: true, force: true });
    await esbuild.stop();
  }
  const globalPrefix = prefix ?? execFileSync(npm, ['prefix', '--global'], { encoding: 'utf8' }).trim();
  return process.platform === 'win32' ? globalPrefix : join(globalPrefix, 'bin');
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const { values } = parseArgs({ options: { prefix: { type: 'string' } } });
  const prefix = values.prefix ?? process.env.PREFIX;
  try {
    const bin = await installCommands({ prefix: prefix && resolve(process.env.INIT_CWD ?? '.', prefix) });
    const names = Object.values(APPS).map((a) => a.command);
    console.log(`installed ${names.join(' and ')} in ${bin}`);
    if (!(process.env.PATH ?? '').split(delimiter).includes(bin)) {
      console.log(`${bin} is not on your PATH; add it, e.g. in ~/.profile: export PATH="${bin}:$PATH"`);
    }
    console.log(`shell completion: ${names[0]} completion --help`);
  } catch (error) {
    if (!Array.isArray(error?.errors)) console.error(`install-commands: ${error instanceof Error ? error.message : String(error)}`);
    console.error('To install into your home folder instead: npm run install-commands -- --prefix ~/.local');
    process.exit(1);
  }
}
