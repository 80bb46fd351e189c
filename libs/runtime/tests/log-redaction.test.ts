import { Writable } from 'node:stream';
import pino from 'pino';
import { logRedaction } from '../src';

function loggedLine(fields: Record<string, unknown>): Record<string, unknown> {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  pino({ redact: logRedaction }, sink).child({ component: 'test' }).info(fields, 'line');
  return JSON.parse(text) as Record<string, unknown>;
}

describe('logRedaction', () => {
  it('masks the password of a URL logged under a known field, in child loggers too', () => {
    expect(loggedLine({ url: 'postgres://app:s3cret@db:5432/sensors' })).toMatchObject({
      url: 'postgres://app:***@db:5432/sensors',
    });
  });

  it('masks every URL of a list', () => {
    expect(loggedLine({ mqttUrls: ['mqtt://a:x@h1:1883', 'mqtt://h2:1883'] })).toMatchObject({
      mqttUrls: ['mqtt://a:***@h1:1883', 'mqtt://h2:1883'],
    });
  });

  it('leaves other fields as they are', () => {
    expect(loggedLine({ queue: 'sensor-readings', url: 42 })).toMatchObject({ queue: 'sensor-readings', url: 42 });
  });
});
