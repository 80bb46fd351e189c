/** A text holding U+0000, which neither a Postgres text column nor jsonb can store. */
export const NUL_PROBLEM = 'must not contain a NUL character';

/**
 * A text holding a lone UTF-16 surrogate, which UTF-8 cannot encode: jsonb refuses it, and a
 * text column would get the replacement character, so two different texts would be stored as one.
 */
export const LONE_SURROGATE_PROBLEM = 'must be well-formed Unicode (no lone surrogate)';

/**
 * A number written beyond the doubles, which JSON reads as ±Infinity: jsonb would store null,
 * and no temperature is that hot.
 */
export const INFINITY_PROBLEM = `must be a finite number: beyond ±${Number.MAX_VALUE} JSON reads as Infinity`;

/** Whether a text holds no NUL character. */
export function hasNoNul(text: string): boolean {
  return !text.includes('\u0000');
}

/**
 * Why Postgres could not store a text as it is (in a text column or in jsonb), or undefined
 * when it can: the id's declared rules and the unknown fields of `content` refuse the same texts.
 */
export function storableTextProblem(text: string): string | undefined {
  if (!hasNoNul(text)) return NUL_PROBLEM;
  return text.isWellFormed() ? undefined : LONE_SURROGATE_PROBLEM;
}
