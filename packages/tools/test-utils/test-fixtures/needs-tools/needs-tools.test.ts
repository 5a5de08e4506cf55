import { describeWithTools, itWithTools } from '@fwkit/test-utils';
import { expect, it } from 'vitest';

it('needs nothing', () => {
  expect(1 + 1).toBe(2);
});

itWithTools('bsdtar', 'needs bsdtar', () => {
  throw new Error('ran although bsdtar is missing');
});

describeWithTools(['tar', 'mkfifo'], 'needs tar and mkfifo', () => {
  it('lists an archive', () => {
    throw new Error('ran although tar is missing');
  });
});
