import { isVerbAllowed } from '../../conductor';

/** The provision verbs the console offers; deploy and clean need inputs it does not collect yet. */
export const CONSOLE_VERBS = ['manage', 'provide', 'inspect', 'abort', 'unhold'] as const;
export type ConsoleVerb = (typeof CONSOLE_VERBS)[number];

/**
 * Which verbs the conductor would accept from a provision state, decided by the conductor's own
 * state machine, so the console never offers what the API would refuse.
 */
export function allowedVerbs(provisionState: string): ConsoleVerb[] {
  return CONSOLE_VERBS.filter((verb) => isVerbAllowed(provisionState, verb));
}
