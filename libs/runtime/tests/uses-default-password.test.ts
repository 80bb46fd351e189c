import { usesDefaultPassword } from '../src';

describe('usesDefaultPassword', () => {
  it('spots a password that repeats the user name', () => {
    expect(usesDefaultPassword('amqp://guest:guest@127.0.0.1:5672')).toBe(true);
    expect(usesDefaultPassword('postgres://sensors_app:sensors_app@db/sensors')).toBe(true);
  });

  it('accepts a real password, or none', () => {
    expect(usesDefaultPassword('postgres://sensors_app:x9!kq@db/sensors')).toBe(false);
    expect(usesDefaultPassword('postgres://postgres@127.0.0.1/postgres')).toBe(false);
  });
});
