#!/usr/bin/env node
// The `tailor` command. The CLI is compiled to dist/ by `npm run build` (the Makefile does it).
import '../dist/cli/entry.js';
