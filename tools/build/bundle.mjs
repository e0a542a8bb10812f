#!/usr/bin/env node
// Bundles an app (apps/tui or apps/agent) from its TypeScript sources, with the workspace
// packages and the third-party JavaScript inlined, into a package that npm can pack and install:
//
//   dist/fileshare/              dist/fileshare-agent/
//     package.json                 (name and version from apps/<app>/package.json;
//     bin/fileshare.js              dependencies: only what cannot be inlined, node-datachannel)
//     lib/main.js + chunks
//     THIRD_PARTY_LICENSES.md
//
// `node tools/build/bundle.mjs tui agent` builds both; `--if-changed` skips an app whose last
// bundle is newer than every file that went into it. See tools/build/README.md for why.
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const APPS = {
  tui: { source: 'apps/tui', command: 'fileshare' },
  agent: { source: 'apps/agent', command: 'fileshare-agent' },
};

/**
 * Never inlined. node-datachannel is a native module: npm installs the build for the user's
 * platform from its optional dependencies, so it must stay a real dependency.
 */
const DEPENDENCIES = ['node-datachannel'];

/**
 * Ink loads React devtools (react-devtools-core, ws) only when DEV=true. They are not shipped:
 * its loader is replaced by one that fails the way a missing module does, which Ink reports as
 * "react-devtools-core is not installed".
 */
const withoutInkDevtools = {
  name: 'without-ink-devtools',
  setup(build) {
    build.onResolve({ filter: /^\.\/devtools\.js$/ }, (args) =>
      /[/\\]ink[/\\]build[/\\]/.test(args.importer) ? { path: 'ink-devtools', namespace: 'fileshare-stub' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'fileshare-stub' }, () => ({
      contents: "const e = new Error('React devtools are not part of this build'); e.code = 'ERR_MODULE_NOT_FOUND'; throw e;",
    }));
  },
};

/** Where the packaged app is written. */
export function outDir(app, root = ROOT) {
  return join(root, 'dist', APPS[app].command);
}

/** `@fileshare/<name>` -> its TypeScript sources, so a bundle never depends on a prior tsc build. */
async function workspaceAliases(root) {
  const alias = {};
  for (const dir of await readdir(join(root, 'packages'))) {
    const pkgFile = join(root, 'packages', dir, 'package.json');
    if (!existsSync(pkgFile)) continue;
    const { name } = JSON.parse(await readFile(pkgFile, 'utf8'));
    alias[name] = join(root, 'packages', dir, 'src', 'index.ts');
  }
  return alias;
}

const STAMP = '.bundle-inputs.json';

/** True when the bundle in `out` is newer than every file that went into it. */
async function upToDate(out, root) {
  try {
    const { builtAt, inputs } = JSON.parse(await readFile(join(out, STAMP), 'utf8'));
    const times = await Promise.all(inputs.map(async (file) => (await stat(join(root, file))).mtimeMs));
    return times.every((t) => t < builtAt);
  } catch {
    return false; // never built, or an input is gone
  }
}

/**
 * Builds the package of `app`. Returns esbuild's metafile (which inputs went into which output)
 * and whether it was built. Prints nothing but esbuild's errors and warnings; throws on an error.
 */
export async function bundleApp(app, { root = ROOT, out = outDir(app, root), ifChanged = false, logLevel = 'warning' } = {}) {
  const { source, command } = APPS[app];
  if (ifChanged && (await upToDate(out, root))) return { built: false, out };

  const appPackage = JSON.parse(await readFile(join(root, source, 'package.json'), 'utf8'));
  await rm(out, { recursive: true, force: true });
  const startedAt = Date.now();
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { main: join(root, source, 'src', 'main.ts') },
    outdir: join(out, 'lib'),
    bundle: true,
    // Chunks: what a dynamic import() loads stays out of the start-up path (the TUI draws its
    // first frame before the node and its native module are loaded).
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    jsx: 'automatic',
    alias: await workspaceAliases(root),
    external: DEPENDENCIES,
    plugins: [withoutInkDevtools],
    // React and others pick their development build unless NODE_ENV says production.
    define: { 'process.env.NODE_ENV': '"production"' },
    // Inlined CommonJS code (React, multicast-dns, ...) calls require() for Node's own modules,
    // which an ES module does not have.
    banner: { js: "import { createRequire as __fileshareCreateRequire } from 'node:module'; const require = __fileshareCreateRequire(import.meta.url);" },
    legalComments: 'none',
    metafile: true,
    logLevel,
  });

  const inputs = Object.keys(result.metafile.inputs);
  await mkdir(join(out, 'bin'), { recursive: true });
  await writeFile(join(out, 'bin', `${command}.js`), "#!/usr/bin/env node\nimport '../lib/main.js';\n");
  await chmod(join(out, 'bin', `${command}.js`), 0o755);
  await writeFile(join(out, 'package.json'), `${JSON.stringify(await packageJson(appPackage, command, result.metafile, root), null, 2)}\n`);
  await writeFile(join(out, 'THIRD_PARTY_LICENSES.md'), await thirdPartyLicenses(inputs, root));
  // What went in, for --if-changed: the sources, the inlined packages and the app's package.json.
  const stamped = [...inputs, `${source}/package.json`, 'package-lock.json'];
  await writeFile(join(out, STAMP), JSON.stringify({ builtAt: startedAt, inputs: stamped }));
  return { built: true, out, metafile: result.metafile };
}

/** The package.json of the packaged app: its identity, its command, and only the dependencies left outside. */
async function packageJson(appPackage, command, metafile, root) {
  const imported = new Set();
  for (const output of Object.values(metafile.outputs)) {
    for (const i of output.imports) {
      if (i.external && !i.path.startsWith('node:') && !builtinModules.includes(i.path)) imported.add(packageName(i.path));
    }
  }
  const missing = [...imported].filter((name) => !DEPENDENCIES.includes(name));
  if (missing.length > 0) throw new Error(`the bundle imports ${missing.join(', ')} without shipping it`);
  const dependencies = {};
  for (const name of [...imported].sort()) {
    const installed = JSON.parse(await readFile(join(root, 'node_modules', name, 'package.json'), 'utf8'));
    dependencies[name] = installed.version;
  }
  const rootPackage = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  return {
    name: appPackage.name,
    version: appPackage.version,
    description: appPackage.description ?? rootPackage.description,
    license: rootPackage.license,
    type: 'module',
    engines: rootPackage.engines,
    bin: { [command]: `bin/${command}.js` },
    files: ['bin', 'lib', 'THIRD_PARTY_LICENSES.md'],
    dependencies,
  };
}

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The license of every third-party package whose code is inlined, as their licenses ask. */
async function thirdPartyLicenses(inputs, root) {
  const packages = new Set();
  for (const input of inputs) {
    const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) packages.add(input.slice(0, m.index + m[0].length - 1));
  }
  const sections = [];
  for (const dir of [...packages].sort()) {
    const pkg = JSON.parse(await readFile(join(root, dir, 'package.json'), 'utf8'));
    const files = (await readdir(join(root, dir))).filter((f) => /^(licen[cs]e|copying)/i.test(f));
    const text = files.length > 0 ? await readFile(join(root, dir, files[0]), 'utf8') : `License: ${pkg.license ?? 'see the package'}`;
    sections.push(`## ${pkg.name} ${pkg.version}\n\n${text.trim()}\n`);
  }
  return `# Third-party code in this package\n\nThe following packages are bundled into lib/.\n\n${sections.join('\n')}`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const ifChanged = args.includes('--if-changed');
  const apps = args.filter((a) => !a.startsWith('--'));
  for (const app of apps.length > 0 ? apps : Object.keys(APPS)) {
    if (!(app in APPS)) {
      console.error(`bundle: no app ${app}; the apps are ${Object.keys(APPS).join(', ')}`);
      process.exit(2);
    }
    try {
      await bundleApp(app, { ifChanged });
    } catch (error) {
      // esbuild has printed its own errors; anything else is printed here.
      if (!Array.isArray(error?.errors)) console.error(error);
      process.exit(1);
    }
  }
}
