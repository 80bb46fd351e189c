/**
 * Why a message or a reading was dead-lettered: the one spelling of each reason, written in
 * the dead letter's headers and counted in metrics by both apps.
 */
export const DEAD_LETTER_CODES = {
  /** Not a valid reading (the reason names the fields). */
  invalidReading: 'invalid-reading',
  /** An envelope that cannot be read at all. */
  invalidEnvelope: 'invalid-envelope',
  /** A content type that is neither a reading nor an envelope of a known version. */
  unsupportedContentType: 'unsupported-content-type',
  /** The same id and time of measurement as a stored reading, with other content. */
  conflictingReading: 'conflicting-reading',
  /** Valid here, refused by the database. */
  databaseRejected: 'database-rejected',
  /** Measured before the retention's horizon: it would be dropped with its partition. */
  expired: 'expired',
  /** Larger than any message the consumer reads: dead-lettered unparsed. */
  messageTooLarge: 'message-too-large',
  /** Redelivered more than `--max-redeliveries` times: it keeps ending its consumer. Unread. */
  repeatedCrash: 'repeated-crash',
  /** Handling it threw an error of ours (a bug to report): the error is in the dead letter. */
  consumerError: 'consumer-error',
  /** Delivered more often than the queue allows (set by the broker, never by the consumer). */
  deliveryLimit: 'delivery-limit',
} as const;

/** One of {@link DEAD_LETTER_CODES}. */
export type DeadLetterCode = (typeof DEAD_LETTER_CODES)[keyof typeof DEAD_LETTER_CODES];

/**
 * The headers under which a dead letter carries its reason, written by both apps and read by
 * the consumer's `dead-letters` command.
 */
export const DEAD_LETTER_HEADERS = {
  /** `true` when the original headers did not fit and were left out of the dead letter. */
  headersCut: 'x-sensors-headers-cut',
  /** One of {@link DEAD_LETTER_CODES}. */
  code: 'x-sensors-reason',
  message: 'x-sensors-error',
  fields: 'x-sensors-fields',
  queue: 'x-sensors-source-queue',
  at: 'x-sensors-dead-lettered-at',
  /** For one reading taken out of an envelope: the envelope's message id and the reading's index. */
  envelope: 'x-sensors-envelope-id',
  index: 'x-sensors-envelope-index',
} as const;
