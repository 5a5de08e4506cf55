#!/usr/bin/env node
// `npx fwkit` and `npm exec fwkit` in the checkout: npm links this file into node_modules/.bin when
// `npm ci` installs the workspace, before `npm run build` made dist/ — so it is a committed file,
// not dist/bin.js (a link to a file missing at install time is not made, and npx would then ask the
// public registry for a package named fwkit). The bundled package's bin is its own (scripts/build-cli-package.mjs).
try {
  await import('../dist/bin.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('/dist/bin.js')) throw error;
  process.stderr.write('fwkit: not built yet: run `npm run build` in the checkout first\n');
  process.exitCode = 3;
}
