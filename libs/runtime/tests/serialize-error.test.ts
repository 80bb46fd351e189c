import { serializeError } from '../src';

describe('serializeError', () => {
  it('keeps type, message and code', () => {
    const err = Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED', parameters: [['a', 'b']] });
    expect(serializeError(err)).toEqual({
      type: 'Error',
      message: 'connection refused',
      code: 'ECONNREFUSED',
      stack: expect.stringContaining('connection refused'),
    });
  });

  it('leaves out other fields, such as the parameters of a failed query', () => {
    const err = Object.assign(new Error('value too long'), { parameters: [Array(1000).fill('x')] });
    expect(serializeError(err)).not.toHaveProperty('parameters');
  });

  it('masks passwords in URLs in the message and the stack', () => {
    const serialized = serializeError(new Error('cannot reach postgres://app:s3cret@db:5432/sensors or amqp://u:p@mq'));
    expect(serialized.message).toBe('cannot reach postgres://app:***@db:5432/sensors or amqp://u:***@mq');
    expect(serialized.stack).not.toContain('s3cret');
  });

  it('describes a thrown value that is not an Error', () => {
    expect(serializeError('boom')).toEqual({ type: 'string', message: 'boom' });
  });
});
