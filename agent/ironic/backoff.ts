export type RandomSource = () => number;

/** Uniform in [low, high) from a [0, 1) source. */
export function uniform(random: RandomSource, low: number, high: number): number {
  return low + (high - low) * random();
}

/**
 * tenacity's `wait_random_exponential(min, max)` as IPA's lookup uses it: uniform between the
 * floor and the exponential ceiling 2^(attempt-1), itself clamped into [min, max]. Seconds.
 */
export function randomExponentialWait(
  random: RandomSource,
  attempt: number,
  minS: number,
  maxS: number,
): number {
  const high = Math.max(minS, Math.min(2 ** (attempt - 1), maxS));
  return uniform(random, minS, high);
}

/** tenacity's `wait_exponential(multiplier, min, max)`. Seconds. */
export function exponentialWait(
  attempt: number,
  multiplier: number,
  minS: number,
  maxS: number,
): number {
  return Math.max(minS, Math.min(multiplier * 2 ** (attempt - 1), maxS));
}
