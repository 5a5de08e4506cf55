// The product's drivers, resolved by the build (an esbuild plugin) to products/<id>/<product.json "drivers">.
declare module 'fwkit:drivers' {
  const drivers: import('./drivers.js').ProductDrivers;
  export default drivers;
}
