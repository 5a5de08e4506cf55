// The esbuild options both shipped bundles share (the device bundle, scripts/build-device.mjs, and
// the installable CLI, scripts/build-cli-package.mjs): one minified ES module for Node, no legal
// comments (the SBOM and the package's notices carry them), UTF-8 kept as written. The target is
// the oldest Node either runs on.
export const NODE_BUNDLE = Object.freeze({
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  legalComments: 'none',
  charset: 'utf8',
});
