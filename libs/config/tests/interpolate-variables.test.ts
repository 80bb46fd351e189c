import { interpolateVariables } from '../src';

describe('interpolateVariables', () => {
  const env = { PW: 's3cret', EMPTY: '' };

  it('replaces ${NAME} with the variable', () => {
    expect(interpolateVariables('amqp://app:${PW}@rabbit', env)).toBe('amqp://app:s3cret@rabbit');
  });

  it('uses the default of ${NAME:-default} when the variable is unset or empty', () => {
    expect(interpolateVariables('${MISSING:-5}/${EMPTY:-6}/${PW:-7}', env)).toBe('5/6/s3cret');
  });

  it('keeps $$ as one literal $ and a lone $ as it is', () => {
    expect(interpolateVariables('a$$b ${PW}$ c$d', env)).toBe('a$b s3cret$ c$d');
  });

  it('names an unset variable', () => {
    expect(() => interpolateVariables('x${MISSING}', env)).toThrow('variable MISSING is not set');
  });

  it('refuses a malformed reference', () => {
    expect(() => interpolateVariables('${not a name}', env)).toThrow(/not a variable reference/);
    expect(() => interpolateVariables('${PW', env)).toThrow(/without a closing/);
  });
});
