/** Display helpers shared by the console's tables: units, ages and state tones. */

export function formatDiskBytes(bytes: number): string {
  // Disk vendors count in powers of ten; so do we, to match the label on the drive.
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

export function formatMemoryMiB(mib: number): string {
  if (mib < 1024) return `${mib} MiB`;
  const gib = mib / 1024;
  return `${Number.isInteger(gib) ? gib : gib.toFixed(1)} GiB`;
}

/** "4 s ago", "3 min ago", "2 h ago", "5 d ago"; future times (clock skew) read as "just now". */
export function formatAge(thenMs: number, nowMs: number): string {
  const seconds = Math.max(0, Math.floor((nowMs - thenMs) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

/** The absolute time with its zone, and the same instant in UTC, for a tooltip. */
export function formatInstant(ms: number): string {
  const local = new Intl.DateTimeFormat(undefined, {
    dateStyle: 'medium',
    timeStyle: 'long',
  }).format(ms);
  return `${local} (${new Date(ms).toISOString().replace('.000Z', 'Z')})`;
}

export type Tone = 'ok' | 'busy' | 'bad' | 'idle' | 'info';

export function provisionTone(state: string): Tone {
  if (state === 'active') return 'ok';
  if (/fail|error/.test(state)) return 'bad';
  if (/ing$|wait|hold|call-back/.test(state)) return 'busy';
  if (state === 'available' || state === 'manageable') return 'info';
  return 'idle';
}

export const toneClasses: Record<Tone, string> = {
  ok: 'bg-emerald-50 text-emerald-800 ring-emerald-600/20 dark:bg-emerald-500/10 dark:text-emerald-300 dark:ring-emerald-400/20',
  busy: 'bg-amber-50 text-amber-800 ring-amber-600/20 dark:bg-amber-500/10 dark:text-amber-300 dark:ring-amber-400/20',
  bad: 'bg-red-50 text-red-800 ring-red-600/20 dark:bg-red-500/10 dark:text-red-300 dark:ring-red-400/25',
  info: 'bg-sky-50 text-sky-800 ring-sky-600/20 dark:bg-sky-500/10 dark:text-sky-300 dark:ring-sky-400/20',
  idle: 'bg-zinc-50 text-zinc-700 ring-zinc-500/20 dark:bg-zinc-400/10 dark:text-zinc-300 dark:ring-zinc-400/20',
};
