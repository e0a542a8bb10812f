#!/usr/bin/env node
// `npx fileshare-agent` in the clone runs the bundle that `npm ci` (prepare) builds;
// see tools/build/README.md.
import '../../../dist/fileshare-agent/bin/fileshare-agent.js';
