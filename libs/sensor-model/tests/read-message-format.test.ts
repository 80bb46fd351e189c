import { ENVELOPE_CONTENT_TYPE, readMessageFormat } from '../src';

describe('readMessageFormat', () => {
  it('reads a single reading from application/json or no content type', () => {
    expect(readMessageFormat('application/json')).toBe('reading');
    expect(readMessageFormat('Application/JSON; charset=UTF-8')).toBe('reading');
    expect(readMessageFormat(undefined)).toBe('reading');
  });

  it('reads an envelope of version 1', () => {
    expect(readMessageFormat(ENVELOPE_CONTENT_TYPE)).toBe('envelope');
    expect(readMessageFormat('application/vnd.sensors.envelope+json;version="1"; charset=utf-8')).toBe('envelope');
  });

  it('refuses other types, versions and charsets', () => {
    expect(readMessageFormat('application/xml')).toBeUndefined();
    expect(readMessageFormat('application/vnd.sensors.envelope+json')).toBeUndefined();
    expect(readMessageFormat('application/vnd.sensors.envelope+json; version=2')).toBeUndefined();
    expect(readMessageFormat('application/json; charset=latin1')).toBeUndefined();
    expect(readMessageFormat('application/json; version=1')).toBeUndefined();
  });
});
