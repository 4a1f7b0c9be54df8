/**
 * IPA's `HardwareSupport` levels (research/ipa.md §4.1). A manager answering NONE is dropped;
 * third parties may answer above SERVICE_PROVIDER to outrank each other.
 */
export const HardwareSupport = {
  NONE: 0,
  GENERIC: 1,
  MAINLINE: 2,
  SERVICE_PROVIDER: 3,
} as const;
export type HardwareSupportLevel = number;
