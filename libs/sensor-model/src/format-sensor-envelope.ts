const OPEN = Buffer.from('{"readings":[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']}');

/**
 * Builds an envelope's body from readings already serialized as JSON, as text or UTF-8 bytes
 * (e.g. the bodies a producer would otherwise publish one by one), without parsing or
 * serializing them again.
 * Publish it with content type `ENVELOPE_CONTENT_TYPE`. The caller keeps within
 * `MAX_ENVELOPE_READINGS` and `MAX_ENVELOPE_BYTES`.
 *
 * @example
 * const body = formatSensorEnvelope(readings.map((r) => Buffer.from(JSON.stringify(r))));
 */
// Typed as Uint8Array (it is a Buffer at run time), so the declarations need no Node types.
export function formatSensorEnvelope(readingsJson: readonly (string | Uint8Array)[]): Uint8Array {
  // All text (the usual case): one join and one conversion, no buffer per reading.
  if (readingsJson.every((json) => typeof json === 'string')) {
    return Buffer.from(`{"readings":[${readingsJson.join(',')}]}`);
  }
  const parts: Uint8Array[] = [OPEN];
  readingsJson.forEach((json, index) => {
    if (index > 0) parts.push(COMMA);
    parts.push(typeof json === 'string' ? Buffer.from(json) : json);
  });
  parts.push(CLOSE);
  return Buffer.concat(parts);
}

/** Bytes an envelope of readings whose JSON totals `readingBytes` takes: brackets and commas included. */
export function envelopeBytes(readings: number, readingBytes: number): number {
  return OPEN.length + CLOSE.length + readingBytes + Math.max(0, readings - 1) * COMMA.length;
}
