export function describe(name, value) {
  return `${name}: ${JSON.stringify(value)}`;
}
