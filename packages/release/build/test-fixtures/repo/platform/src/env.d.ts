// Resolved by the build: `fwkit:drivers` to the product's drivers, __FWKIT_BUILD__ by esbuild define.
declare module 'fwkit:drivers' {
  const drivers: { readonly sensor: string; read(): number };
  export default drivers;
}
declare const __FWKIT_BUILD__: { readonly model: string; readonly firmware: string; readonly hardwareRevisions: readonly string[] };
