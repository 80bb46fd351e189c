const OPEN = Buffer.from('{"readings":[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']}');

/**
 * Builds an envelope's body from readings already serialized as JSON (e.g. the bodies a
 * producer would otherwise publish one by one), without parsing or serializing them again.
 * Publish it with content type `ENVELOPE_CONTENT_TYPE`. The caller keeps within
 * `MAX_ENVELOPE_READINGS` and `MAX_ENVELOPE_BYTES`.
 *
 * @example
 * const body = formatSensorEnvelope(readings.map((r) => Buffer.from(JSON.stringify(r))));
 */
// Typed as Uint8Array (it is a Buffer at run time), so the declarations need no Node types.
export function formatSensorEnvelope(readingsJson: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [OPEN];
  readingsJson.forEach((json, index) => {
    if (index > 0) parts.push(COMMA);
    parts.push(json);
  });
  parts.push(CLOSE);
  return Buffer.concat(parts);
}

/** Bytes an envelope of readings whose JSON totals `readingBytes` takes: brackets and commas included. */
export function envelopeBytes(readings: number, readingBytes: number): number {
  return OPEN.length + CLOSE.length + readingBytes + Math.max(0, readings - 1) * COMMA.length;
}
