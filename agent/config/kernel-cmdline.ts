/**
 * IPA's reading of /proc/cmdline (research/ipa.md §10.2): split on whitespace, keep only
 * `key=value` tokens split at the first `=`, later duplicates win, no quote handling.
 */
export function parseKernelCmdline(text: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const token of text.split(/\s+/)) {
    const eq = token.indexOf('=');
    if (eq <= 0) continue;
    params[token.slice(0, eq)] = token.slice(eq + 1);
  }
  return params;
}

/** BOOTIF `01-aa-bb-cc-dd-ee-ff` → `aa:bb:cc:dd:ee:ff`, as IPA normalises it for DHCP waits. */
export function normalizeBootif(bootif: string): string {
  return bootif.replace(/^01-/, '').replace(/-/g, ':').toLowerCase();
}
