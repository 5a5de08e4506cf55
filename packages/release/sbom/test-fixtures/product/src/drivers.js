export const drivers = { name: 'fixture-sensor', open: () => 'ok' };
