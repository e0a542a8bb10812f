#!/usr/bin/env node
// `npx fileshare` in the clone runs the bundle that `npm ci` (prepare) and `npm start` build;
// see tools/build/README.md.
import '../../../dist/fileshare/bin/fileshare.js';
