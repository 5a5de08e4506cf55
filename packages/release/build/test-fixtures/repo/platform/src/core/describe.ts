/** A class field: how esbuild compiles it depends on TypeScript settings (useDefineForClassFields). */
export class Reading {
  unit = '°C';
  constructor(readonly value: number) {}
}

export function describe(model: string, firmware: string, sensor: string, reading: Reading): string {
  return `${model} ${firmware}: ${sensor} reads ${reading.value}${reading.unit}`;
}
