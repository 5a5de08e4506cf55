/** The esbuild options both shipped bundles share (scripts/node-bundle.mjs). */
export declare const NODE_BUNDLE: Readonly<{
  bundle: true;
  minify: true;
  platform: 'node';
  format: 'esm';
  target: 'node20';
  legalComments: 'none';
  charset: 'utf8';
}>;
