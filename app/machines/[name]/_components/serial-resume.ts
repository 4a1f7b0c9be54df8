/**
 * A reconnecting serial stream starts again with the console's recent output. When that output
 * picks up where the screen left off, only the new part needs writing, so the scrollback
 * survives the reconnect; otherwise (the console was reset, or too much passed) the screen is
 * redrawn from the tail.
 */
export type Resume = { mode: 'append'; text: string } | { mode: 'reset'; text: string };

/** Enough of the end of what is on screen to be unique: console lines carry timestamps. */
const ANCHOR = 256;

export function resumeFrom(shown: string, tail: string): Resume {
  const anchor = shown.slice(-ANCHOR);
  if (anchor.length === 0) return { mode: 'reset', text: tail };
  const at = tail.lastIndexOf(anchor);
  if (at === -1) return { mode: 'reset', text: tail };
  return { mode: 'append', text: tail.slice(at + anchor.length) };
}
