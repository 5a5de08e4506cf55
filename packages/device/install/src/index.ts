// The A/B installer of a simulated device: see README.md.
export {};
