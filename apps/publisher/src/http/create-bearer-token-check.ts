import { createHash, timingSafeEqual } from 'node:crypto';

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/**
 * Returns a check of an `Authorization` header (`Bearer <token>`) against the accepted tokens.
 * Tokens are compared as SHA-256 digests with `timingSafeEqual`, every token every time, so
 * that how long a check takes tells nothing about the tokens' contents or lengths.
 *
 * @example
 * const authorized = createBearerTokenCheck(['s3cret']);
 * authorized('Bearer s3cret'); // true
 */
export function createBearerTokenCheck(tokens: readonly string[]): (authorization: string | undefined) => boolean {
  const accepted = tokens.map(digest);
  return (authorization) => {
    const presented = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
    const presentedDigest = digest(presented?.[1] ?? '');
    let matched = false;
    for (const token of accepted) matched = timingSafeEqual(presentedDigest, token) || matched;
    return presented !== null && matched;
  };
}
