import { StartupError, startupFailureFields } from '../src';

describe('startupFailureFields', () => {
  it('gives the reason, the fix and the details of a StartupError, without a stack', () => {
    const err = new StartupError('the database does not exist', { fix: 'create it', details: { setting: '--x' } });
    expect(startupFailureFields(err)).toEqual({
      setting: '--x',
      reason: 'the database does not exist',
      fix: 'create it',
    });
  });

  it('gives any other error as it is, for its stack', () => {
    const err = new TypeError('a bug');
    expect(startupFailureFields(err)).toEqual({ err });
  });
});
