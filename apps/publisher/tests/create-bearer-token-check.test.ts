import { createBearerTokenCheck } from '../src/http/create-bearer-token-check';

describe('createBearerTokenCheck', () => {
  const authorized = createBearerTokenCheck(['first-token', 'second-token']);

  it('accepts each configured token', () => {
    expect(authorized('Bearer first-token')).toBe(true);
    expect(authorized('bearer second-token')).toBe(true);
  });

  it('refuses a missing, malformed or unknown token', () => {
    expect(authorized(undefined)).toBe(false);
    expect(authorized('first-token')).toBe(false);
    expect(authorized('Basic Zmlyc3QtdG9rZW4=')).toBe(false);
    expect(authorized('Bearer first-toke')).toBe(false);
    expect(authorized('Bearer first-token-and-more')).toBe(false);
    expect(authorized('Bearer ')).toBe(false);
  });

  it('refuses everything when no token is configured', () => {
    expect(createBearerTokenCheck([])('Bearer ')).toBe(false);
  });
});
