// Starts firmware from a slot and judges its health: see README.md.
export {};
