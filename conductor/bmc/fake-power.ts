import type { NodeRow } from '../db/schema';
import type { ObservedPower, PowerDriver, PowerTarget } from './power-driver';

/** `fake-hardware` and `manual-management`: the database is the BMC. */
export class FakePower implements PowerDriver {
  validate(): void {}
  getPowerState(node: NodeRow): Promise<ObservedPower> {
    return Promise.resolve(node.powerState === 'power on' ? 'power on' : 'power off');
  }
  setPowerState(_node: NodeRow, target: PowerTarget): Promise<ObservedPower> {
    return Promise.resolve(
      target === 'power off' || target === 'soft power off' ? 'power off' : 'power on',
    );
  }
}
