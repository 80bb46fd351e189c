/**
 * The media type of an envelope: a JSON object whose `readings` array holds 1 to
 * {@link MAX_ENVELOPE_READINGS} readings, each exactly as it would travel alone.
 */
export const ENVELOPE_MEDIA_TYPE = 'application/vnd.sensors.envelope+json';

/** The envelope format's version; a change that older consumers could misread gets a new one. */
export const ENVELOPE_VERSION = 1;

/** The content type an envelope is published with: media type and version. */
export const ENVELOPE_CONTENT_TYPE = `${ENVELOPE_MEDIA_TYPE}; version=${ENVELOPE_VERSION}`;

/** The content type of a single reading. */
export const READING_CONTENT_TYPE = 'application/json';

/** The most readings one envelope may hold. */
export const MAX_ENVELOPE_READINGS = 1000;

/** Readings per envelope this project's publisher packs by default, for consumers to assume. */
export const DEFAULT_ENVELOPE_READINGS = 100;

/** The largest envelope, in bytes of its JSON body (1 MiB). */
export const MAX_ENVELOPE_BYTES = 1024 * 1024;

/** What a message holds, as its content type says. */
export type MessageFormat = 'reading' | 'envelope';
