import { redactUrl } from '../src';

describe('redactUrl', () => {
  it('hides the password of an AMQP and a Postgres URL', () => {
    expect(redactUrl('amqp://guest:guest@127.0.0.1:5672')).toBe('amqp://guest:***@127.0.0.1:5672');
    expect(redactUrl('postgres://app:s%40cret@db:5432/sensors?sslmode=require')).toBe(
      'postgres://app:***@db:5432/sensors?sslmode=require',
    );
  });

  it('leaves a URL without a password as it is', () => {
    expect(redactUrl('amqp://127.0.0.1:5672')).toBe('amqp://127.0.0.1:5672');
  });

  it('redacts every URL of a comma-separated list', () => {
    expect(redactUrl('amqp://a:x@h1:5672, amqp://a:y@h2:5672')).toBe('amqp://a:***@h1:5672,amqp://a:***@h2:5672');
  });

  it('hides text that is not a URL', () => {
    expect(redactUrl('hunter2')).toBe('<not a URL>');
  });
});
