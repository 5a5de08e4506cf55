// Its own config, so that vitest does not take the repository's (which would not find this file).
export default { test: { include: ['*.test.ts'] } };
