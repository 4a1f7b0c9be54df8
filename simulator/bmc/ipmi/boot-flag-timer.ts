import type { Clock, TimerHandle } from '../../../lib';
import type { Machine } from '../../machine';

/** IPMI 2.0 §28.12: a set boot-flag-valid bit clears itself 60 s later unless told otherwise. */
export const BOOT_FLAG_TIMEOUT_MS = 60_000;

/**
 * The BMC's boot flag "valid" bit lifetime: a one-time boot device set over IPMI is forgotten
 * when no chassis control command follows within 60 s, unless boot option parameter 3 asked to
 * keep it (Ironic sends `raw 0x00 0x08 0x03 0x08` for exactly this reason).
 */
export class BootFlagTimer {
  /** Boot option parameter 3 ("boot flag valid bit clearing"). */
  clearing = 0;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly machine: Machine,
    private readonly clock: Clock,
  ) {}

  /** A one-time boot device was set. */
  armed(): void {
    this.cancel();
    if ((this.clearing & 0x08) !== 0) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.machine.bootOverride.enabled === 'Once')
        this.machine.setBootOverride({ enabled: 'Disabled' });
    }, BOOT_FLAG_TIMEOUT_MS);
  }

  /** A chassis control command arrived (or the BMC stops). */
  cancel(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
