// Build-time constants: esbuild `define` replaces __FWKIT_BUILD__ with a JSON object literal.
declare const __FWKIT_BUILD__: {
  readonly model: string;
  readonly modelName: string;
  readonly firmware: string;
  readonly platform: string;
  readonly hardwareRevisions: readonly string[];
};
