import { CONSUMER_ERROR_CODE } from '@sensors/messaging';

/**
 * The reason codes the consumer dead-letters readings with, in one place: they are the
 * `x-sensors-reason` header, the `reason` label of `sensors_readings_dead_lettered_total` and
 * what `dead-letters replay --reason` selects, so they never change once released.
 */
export const READING_DEAD_LETTER_CODES = {
  unsupportedContentType: 'unsupported-content-type',
  invalidReading: 'invalid-reading',
  invalidEnvelope: 'invalid-envelope',
  databaseRejected: 'database-rejected',
  /** Larger than any message the consumer reads: dead-lettered unparsed. */
  messageTooLarge: 'message-too-large',
  /** Redelivered more than `--max-redeliveries` times: it keeps ending its consumer. Unread. */
  repeatedCrash: 'repeated-crash',
  /** Handling it threw an error of ours (a bug to report): the error is in the dead letter. */
  consumerError: CONSUMER_ERROR_CODE,
} as const;

export type ReadingDeadLetterCode = (typeof READING_DEAD_LETTER_CODES)[keyof typeof READING_DEAD_LETTER_CODES];
